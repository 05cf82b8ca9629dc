package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadLogKey(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		dir := t.TempDir()
		k, err := loadLogKey(dir, "")
		if err != nil {
			t.Fatal(err)
		}
		if k.Origin() != defaultLogOrigin() || !strings.HasSuffix(k.Origin(), "/log") {
			t.Fatalf("origin %q, want %q", k.Origin(), defaultLogOrigin())
		}
		fi, err := os.Stat(filepath.Join(dir, logKeyFile))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file: %v, %v", fi, err)
		}
		again, err := loadLogKey(dir, k.Origin())
		if err != nil || again.VerifierKey != k.VerifierKey {
			t.Fatalf("second load: %v, %v", again, err)
		}
	})
	t.Run("Origin", func(t *testing.T) {
		dir := t.TempDir()
		k, err := loadLogKey(dir, "audit.example.org/sluice")
		if err != nil || k.Origin() != "audit.example.org/sluice" || !strings.HasPrefix(k.VerifierKey, "audit.example.org/sluice+") {
			t.Fatalf("key %v, %v", k, err)
		}
	})
	t.Run("ErrOriginChanged", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := loadLogKey(dir, "a.example/log"); err != nil {
			t.Fatal(err)
		}
		if _, err := loadLogKey(dir, "b.example/log"); err == nil || !strings.Contains(err.Error(), "cannot change") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ErrBadOrigin", func(t *testing.T) {
		if _, err := loadLogKey(t.TempDir(), "has space"); err == nil {
			t.Fatal("origin with a space accepted")
		}
	})
}
