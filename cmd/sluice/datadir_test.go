package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLI_Init(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"SLUICE_DATA_DIR": dir}

	t.Run("ErrNoDataDir", func(t *testing.T) {
		for _, args := range [][]string{{"org", "list"}, {"key", "list"}, {"log", "key"}, {"org", "create", "--name", "x", "--region", "CN"}, {"backup", "--to", dir + ".bak"}} {
			code, _, errOut := runCLI(t, env, "", args...)
			want := "no sluice data directory at " + dir + "; run 'sluice init' or pass --data-dir"
			if code != exitErr || !strings.Contains(errOut, want) {
				t.Errorf("sluice %s: %d %q", strings.Join(args, " "), code, errOut)
			}
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("a command made %s: %v", dir, err)
		}
	})

	t.Run("OK", func(t *testing.T) {
		code, out, errOut := runCLI(t, env, "", "init", "--regions", "CN,EU")
		if code != 0 || !strings.Contains(out, "Initialised sluice data directory "+dir) || !strings.Contains(out, "region EU") || !strings.Contains(out, "log verifier key:") {
			t.Fatalf("init: %d %q %q", code, out, errOut)
		}
		for _, name := range []string{"control.db", "region-cn.db", "region-eu.db", "subject.key", "log.key", "sluice.json"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Errorf("init made no %s", name)
			}
		}
		// The regions given to init are the ones served next.
		if code, _, errOut := runCLI(t, env, "", "org", "create", "--name", "us-co", "--region", "US"); code != 1 || !strings.Contains(errOut, "Region US is not served (--regions CN,EU)") {
			t.Errorf("org in a region init was not given: %d %q", code, errOut)
		}
		if code, _, errOut := runCLI(t, env, "", "init"); code != 1 || !strings.Contains(errOut, "already") {
			t.Errorf("init twice: %d %q", code, errOut)
		}
		if code, _, errOut := runCLI(t, env, "", "org", "list"); code != exitNotFound {
			t.Errorf("org list of an empty data dir: %d %q", code, errOut)
		}
	})
}

func TestCLI_Version(t *testing.T) {
	code, out, _ := runCLI(t, nil, "", "--version")
	if code != 0 || !strings.HasPrefix(out, "sluice ") || !strings.Contains(out, "store schema:     control 00") || !strings.Contains(out, LogEntryFormat) {
		t.Fatalf("--version: %d %q", code, out)
	}
	code, out, _ = runCLI(t, nil, "", "version", "--format", "json")
	var v VersionInfo
	if err := json.Unmarshal([]byte(out), &v); code != 0 || err != nil || v.GoVersion == "" || v.ControlSchema == 0 || v.RegionSchema == 0 {
		t.Fatalf("version --format json: %d %v %q", code, err, out)
	}
}

func TestCLI_Completion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		code, out, errOut := runCLI(t, nil, "", "completion", shell)
		if code != 0 || !strings.Contains(out, "dataset") || !strings.Contains(out, "log-key") {
			t.Fatalf("completion %s: %d %q", shell, code, errOut)
		}
		if shell == "bash" {
			cmd := exec.Command("bash", "-n")
			cmd.Stdin = strings.NewReader(out)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("bash -n: %v %s", err, b)
			}
		}
	}
	if code, _, _ := runCLI(t, nil, "", "completion", "tcsh"); code != exitUsage {
		t.Errorf("completion tcsh: exit %d, want 2", code)
	}
}
