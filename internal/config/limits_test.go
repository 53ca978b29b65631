package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFileLimitedRejectsLargeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(path, make([]byte, maxFileBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readFileLimited(path); err == nil {
		t.Error("readFileLimited read a file over the limit")
	}
	if _, err := readFileLimited("/dev/zero"); err == nil {
		t.Error("readFileLimited read /dev/zero without an error")
	}
}

func TestReadFileLimitedReadsSmallFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "small")
	if err := os.WriteFile(path, []byte("providers: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	content, err := readFileLimited(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(content) != "providers: []\n" {
		t.Errorf("content = %q", content)
	}
}

func TestErrorListsAtMostFiftyProblems(t *testing.T) {
	e := &Error{}
	for i := range 120 {
		e.Problems = append(e.Problems, Problem{Where: "f:1", Key: fmt.Sprintf("k%d", i), Message: "bad"})
	}
	lines := strings.Split(e.Error(), "\n")
	if len(lines) != 1+maxListedProblems+1 {
		t.Errorf("Error has %d lines, want a header, %d problems and a summary", len(lines), maxListedProblems)
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "and 70 more") {
		t.Errorf("last line = %q, want the count of problems left out", last)
	}
	if !strings.HasPrefix(lines[0], "invalid configuration, 120 problems") {
		t.Errorf("first line = %q, want the total count", lines[0])
	}
}
