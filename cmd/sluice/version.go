package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/sluice-gateway/sluice/sqlite"
)

// Version, Commit and BuildDate are stamped by a release build:
//
//	go build -trimpath -ldflags "-X main.Version=v0.4.0 -X main.Commit=$(git rev-parse HEAD) -X main.BuildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)" ./cmd/sluice
//
// Left empty, they are read from the module and VCS information the Go
// toolchain records in the binary (debug.ReadBuildInfo).
var (
	Version   string
	Commit    string
	BuildDate string
)

// LogEntryFormat names the form of the audit log's public entries: a
// salted commitment to the full event, 0x01 ‖ SHA-256(0x01 ‖ salt ‖ event)
// (see auditlog.Commit); entries written before commitments are events as
// JSON. It changes whenever an entry's form changes, so that a verifier
// knows which form it reads.
const LogEntryFormat = "sluice-commitment/1"

// VersionInfo is what sluice version prints.
type VersionInfo struct {
	Version        string `json:"version"`
	Commit         string `json:"commit"`
	BuildDate      string `json:"build_date"`
	GoVersion      string `json:"go_version"`
	ControlSchema  int    `json:"control_schema"`
	RegionSchema   int    `json:"region_schema"`
	LogEntryFormat string `json:"log_entry_format"`
}

// versionInfo returns the binary's version: the stamped values first, the
// build information recorded by the toolchain for what was not stamped.
func versionInfo() VersionInfo {
	v := VersionInfo{Version: Version, Commit: Commit, BuildDate: BuildDate, GoVersion: runtime.Version(),
		ControlSchema: sqlite.SchemaVersion(sqlite.SchemaControl), RegionSchema: sqlite.SchemaVersion(sqlite.SchemaRegion),
		LogEntryFormat: LogEntryFormat}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && v.Commit == "":
				v.Commit = s.Value
			case s.Key == "vcs.time" && v.BuildDate == "":
				v.BuildDate = s.Value
			case s.Key == "vcs.modified" && s.Value == "true" && v.Commit != "":
				v.Commit += "-dirty"
			}
		}
	}
	for _, s := range []*string{&v.Version, &v.Commit, &v.BuildDate} {
		if *s == "" {
			*s = "unknown"
		}
	}
	if v.Version == "unknown" {
		v.Version = "devel"
	}
	return v
}

func runVersion(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "version", "version [--format text|json]", `
sluice version
sluice version --format json`)
	format := fs.String("format", "text", "text or json")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := noArgs(env, fs, "version"); err != nil {
		return err
	}
	v := versionInfo()
	switch *format {
	case "json":
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "text", "table":
		fmt.Fprintf(env.Stdout, "sluice %s\n", v.Version)
		fmt.Fprintf(env.Stdout, "  commit:           %s\n", v.Commit)
		fmt.Fprintf(env.Stdout, "  built:            %s\n", v.BuildDate)
		fmt.Fprintf(env.Stdout, "  go:               %s\n", v.GoVersion)
		fmt.Fprintf(env.Stdout, "  store schema:     control %04d, region %04d\n", v.ControlSchema, v.RegionSchema)
		fmt.Fprintf(env.Stdout, "  log entry format: %s\n", v.LogEntryFormat)
		return nil
	}
	fmt.Fprintf(env.Stderr, "sluice version: --format is text or json, not %q\n", *format)
	return errUsage
}

// noArgs refuses positional arguments to a command that takes none.
func noArgs(env *Env, fs interface {
	NArg() int
	Arg(int) string
}, name string) error {
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "sluice %s: unexpected argument %q\n", name, fs.Arg(0))
		return errUsage
	}
	return nil
}
