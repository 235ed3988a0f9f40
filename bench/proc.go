//go:build unix

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// proc is one command line to time: a binary, its arguments, its
// environment and, optionally, a file for its stdin.
type proc struct {
	name  string
	argv  []string
	env   []string
	stdin string // a file to read stdin from; "" means /dev/null
}

// runOnce runs p with stdout and stderr discarded (into /dev/null, so that
// no copying goroutine in this process takes part in the timing) and
// returns its wall time. A failing command is an error that quotes its
// stderr, from a second, captured run.
func (p proc) runOnce(devnull *os.File) (time.Duration, *syscall.Rusage, error) {
	c := exec.Command(p.argv[0], p.argv[1:]...)
	c.Env = p.env
	c.Stdout, c.Stderr = devnull, devnull
	if p.stdin != "" {
		f, err := os.Open(p.stdin)
		if err != nil {
			return 0, nil, err
		}
		defer f.Close()
		c.Stdin = f
	} else {
		c.Stdin = devnull
	}
	start := time.Now()
	if err := c.Start(); err != nil {
		return 0, nil, fmt.Errorf("%s: %w", p.name, err)
	}
	err := c.Wait()
	d := time.Since(start)
	if err != nil {
		_, out, _ := p.output()
		return 0, nil, fmt.Errorf("%s: %v: %s", p.name, err, strings.TrimSpace(out))
	}
	ru, _ := c.ProcessState.SysUsage().(*syscall.Rusage)
	return d, ru, nil
}

// output runs p once and returns its stdout and stderr.
func (p proc) output() (string, string, error) {
	c := exec.Command(p.argv[0], p.argv[1:]...)
	c.Env = p.env
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if p.stdin != "" {
		f, err := os.Open(p.stdin)
		if err != nil {
			return "", "", err
		}
		defer f.Close()
		c.Stdin = f
	}
	err := c.Run()
	return out.String(), errb.String(), err
}

// sample is the wall times (and CPU times: user+sys of the process and
// its children) of one command over many runs.
type sample struct {
	name string
	wall []time.Duration
	cpu  []time.Duration
}

func (s *sample) median() time.Duration    { return pct(s.wall, 50) }
func (s *sample) p90() time.Duration       { return pct(s.wall, 90) }
func (s *sample) cpuMedian() time.Duration { return pct(s.cpu, 50) }

// pairedRatio is the median over rounds of s's time ÷ base's time in the
// same round: steadier than a ratio of medians when the load drifts.
func pairedRatio(s, base *sample) float64 {
	n := min(len(s.wall), len(base.wall))
	if n == 0 {
		return 0
	}
	rs := make([]float64, n)
	for i := range n {
		rs[i] = float64(s.wall[i]) / float64(base.wall[i])
	}
	slices.Sort(rs)
	return rs[(n-1)/2]
}

// pct is the p-th percentile (nearest rank) of ds.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

// interleave times procs runs times each, after warm untimed rounds. Each
// round runs every command once, starting from a different one each time,
// so that drift (other load, CPU frequency, page cache) falls on all of
// them alike.
func interleave(procs []proc, warm, runs int) ([]*sample, error) {
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer devnull.Close()
	out := make([]*sample, len(procs))
	for i, p := range procs {
		out[i] = &sample{name: p.name}
	}
	for r := 0; r < warm+runs; r++ {
		for k := range procs {
			i := (r + k) % len(procs)
			d, ru, err := procs[i].runOnce(devnull)
			if err != nil {
				return nil, err
			}
			if r >= warm {
				out[i].wall = append(out[i].wall, d)
				out[i].cpu = append(out[i].cpu, cpuTime(ru))
			}
		}
	}
	return out, nil
}

func cpuTime(ru *syscall.Rusage) time.Duration {
	if ru == nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }

// ratio formats a/b.
func ratio(a, b time.Duration) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", float64(a)/float64(b))
}
