package config

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// ownedKeys are the YAML keys of a struct's fields: the keys sesame owns in
// the config file (Config: store, default, profiles) or in a profile
// (provider, url, …). Save sets them and removes those that are now empty;
// any other key (timeout, a user's note, a newer sesame's setting) is left
// alone.
func ownedKeys(v any) []string {
	var keys []string
	t := reflect.TypeOf(v)
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}

// configKeys and profileKeys are ownedKeys of Config and Profile, found
// when a save first needs them rather than at every start.
var (
	configKeys  = sync.OnceValue(func() []string { return ownedKeys(Config{}) })
	profileKeys = sync.OnceValue(func() []string { return ownedKeys(Profile{}) })
)

// patch returns old (the config file's bytes, possibly empty) with the keys
// sesame owns (configKeys) brought up to date with c, and nothing else changed:
// top-level settings (timeout, cacert, session_idle, …), unknown keys and
// comments stay where they were. Profiles missing from c are removed.
func (c *Config) patch(old []byte) ([]byte, error) {
	var doc yaml.Node
	if len(bytes.TrimSpace(old)) > 0 {
		if err := yaml.Unmarshal(old, &doc); err != nil {
			return nil, err
		}
	}
	if doc.Kind == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("not a YAML document")
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		*root = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the top level is not a mapping of settings")
	}

	var top yaml.Node
	if err := top.Encode(c); err != nil {
		return nil, err
	}
	for _, k := range configKeys() {
		if k == "profiles" {
			continue
		}
		if v := getValue(&top, k); v != nil {
			setValue(root, k, v)
		} else {
			removeKey(root, k)
		}
	}

	profs := getValue(root, "profiles")
	if len(c.Profiles) == 0 {
		if profs != nil {
			removeKey(root, "profiles")
		}
	} else {
		if profs == nil || profs.Kind != yaml.MappingNode {
			profs = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			setValue(root, "profiles", profs)
		}
		for i := 0; i < len(profs.Content); i += 2 {
			if _, ok := c.Profiles[strings.ToLower(profs.Content[i].Value)]; !ok {
				profs.Content = append(profs.Content[:i], profs.Content[i+2:]...)
				i -= 2
			}
		}
		for _, name := range c.Names() {
			var nv yaml.Node
			if err := nv.Encode(c.Profiles[name]); err != nil {
				return nil, err
			}
			ov := getValue(profs, name)
			if ov == nil || ov.Kind != yaml.MappingNode {
				setValue(profs, name, &nv)
				continue
			}
			merge(ov, &nv, func(k string) bool { return contains(profileKeys(), k) })
		}
	}

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(4)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// merge makes the owned keys of the mapping old say what nw says: a key in
// nw replaces (or adds) old's, an owned key absent from nw is removed, and
// old's comments are kept. options, a map sesame owns whole, is merged the
// same way key by key so that comments on its entries survive.
func merge(old, nw *yaml.Node, owned func(string) bool) {
	for i := 0; i < len(old.Content); i += 2 {
		k := old.Content[i].Value
		if owned(strings.ToLower(k)) && getValue(nw, k) == nil {
			old.Content = append(old.Content[:i], old.Content[i+2:]...)
			i -= 2
		}
	}
	for i := 0; i < len(nw.Content); i += 2 {
		k, v := nw.Content[i].Value, nw.Content[i+1]
		if ov := getValue(old, k); ov != nil && ov.Kind == yaml.MappingNode && v.Kind == yaml.MappingNode {
			merge(ov, v, func(string) bool { return true })
			continue
		}
		setValue(old, k, v)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// getValue is the value of key in mapping m (keys compare as viper reads
// them, case-insensitively), or nil.
func getValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if strings.EqualFold(m.Content[i].Value, key) {
			return m.Content[i+1]
		}
	}
	return nil
}

// setValue replaces key's value in m, keeping the comments that were on the
// old value, or appends key: v.
func setValue(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if strings.EqualFold(m.Content[i].Value, key) {
			old := m.Content[i+1]
			if v.HeadComment == "" {
				v.HeadComment = old.HeadComment
			}
			if v.LineComment == "" {
				v.LineComment = old.LineComment
			}
			if v.FootComment == "" {
				v.FootComment = old.FootComment
			}
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
}

func removeKey(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if strings.EqualFold(m.Content[i].Value, key) {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}
