package wine

import (
	"os"
	"testing"
)

// .ci/windows-wine.sh sets SESAME_EXPECT_WINE=1, so that the tests that
// skip under Wine are known to have detected it (and nowhere else).
func TestDetected(t *testing.T) {
	want := os.Getenv("SESAME_EXPECT_WINE") == "1"
	if got := Detected(); got != want {
		t.Errorf("Detected() = %v, want %v (SESAME_EXPECT_WINE=%q)", got, want, os.Getenv("SESAME_EXPECT_WINE"))
	}
}
