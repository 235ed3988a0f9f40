package session

import "testing"

func TestChooseStore(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		flag, env, recorded, file string
		want                      StoreChoice
	}{
		{"", "", "", "", StoreChoice{"auto", "default"}},
		{"", "", "", "auto", StoreChoice{"auto", "default"}},
		{"", "", "", "file", StoreChoice{"file", "config file"}},
		{"", "", "keyring", "file", StoreChoice{"keyring", "profile"}},
		{"", "file", "keyring", "keyring", StoreChoice{"file", "SESAME_STORE"}},
		{"keyring", "file", "file", "file", StoreChoice{"keyring", "--store"}},
		// an explicit auto does not override what the profile recorded…
		{"auto", "", "keyring", "file", StoreChoice{"keyring", "profile"}},
		{"", "auto", "file", "", StoreChoice{"file", "profile"}},
		// …but does override the config file for a new login,
		{"", "auto", "", "file", StoreChoice{"auto", "SESAME_STORE"}},
		// and the flag is the explicit choice even when it says auto.
		{"auto", "file", "", "", StoreChoice{"auto", "--store"}},
		{"memory", "", "", "", StoreChoice{"memory", "--store"}},
	} {
		if got := ChooseStore(tc.flag, tc.env, tc.recorded, tc.file); got != tc.want {
			t.Errorf("ChooseStore(%q, %q, %q, %q) = %+v, want %+v", tc.flag, tc.env, tc.recorded, tc.file, got, tc.want)
		}
	}
}

func TestWindowsForDefaults(t *testing.T) {
	t.Parallel()
	w := windowsFor(nil, nil)
	if w.Idle != defaultIdle || w.TTL != defaultTTL {
		t.Fatalf("%+v", w)
	}
}
