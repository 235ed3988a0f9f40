package cmd

import (
	"runtime/debug"
	"testing"
)

func TestVCSStamp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		settings   []debug.BuildSetting
		commit, at string
	}{
		{"none", nil, "", ""},
		{"clean", []debug.BuildSetting{{Key: "vcs.revision", Value: "69141a357f6950f1144f06557d7fbbf688672616"}, {Key: "vcs.time", Value: "2026-11-23T15:21:53Z"}, {Key: "vcs.modified", Value: "false"}}, "69141a357f69", "2026-11-23T15:21:53Z"},
		{"dirty", []debug.BuildSetting{{Key: "vcs.revision", Value: "69141a357f6950f1144f06557d7fbbf688672616"}, {Key: "vcs.modified", Value: "true"}}, "69141a357f69-dirty", ""},
	} {
		commit, at := vcsStamp(tc.settings)
		if commit != tc.commit || at != tc.at {
			t.Errorf("%s: vcsStamp = %q, %q; want %q, %q", tc.name, commit, at, tc.commit, tc.at)
		}
	}
}
