package argilla

import (
	"testing"

	"github.com/google/uuid"
)

func TestBindingIDStable(t *testing.T) {
	// The value is fixed: a change would orphan every account created. It
	// was computed with Python's uuid.uuid5 from the namespace and the
	// name "github\x0012345".
	const want = "daf29b2a-b176-55b1-a6ea-fc090c775f24"
	got := BindingID("github", "12345")
	if got != BindingID("github", "12345") {
		t.Fatal("BindingID differs between calls")
	}
	if got != want {
		t.Errorf("BindingID(github, 12345) = %s, want %s", got, want)
	}
	if v := uuid.MustParse(got).Version(); v != 5 {
		t.Errorf("BindingID version = %d, want 5", v)
	}
}

func TestBindingIDDistinct(t *testing.T) {
	tests := []struct {
		name                string
		provider1, subject1 string
		provider2, subject2 string
	}{
		{"same subject, other provider", "github", "1", "huggingface", "1"},
		{"same provider, other subject", "google-oauth2", "1111", "google-oauth2", "2222"},
		{"subject extends provider", "github", "1", "githu", "b1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if BindingID(tt.provider1, tt.subject1) == BindingID(tt.provider2, tt.subject2) {
				t.Errorf("BindingID(%q, %q) equals BindingID(%q, %q)",
					tt.provider1, tt.subject1, tt.provider2, tt.subject2)
			}
		})
	}
}

func TestCreatedByProxy(t *testing.T) {
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"binding id", BindingID("github", "1"), true},
		{"argilla's random id", "59d5fce5-7ba0-4581-b20a-6e17c026504b", false},
		{"not a uuid", "argilla", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := createdByProxy(tt.id); got != tt.want {
				t.Errorf("createdByProxy(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestLinkedTo(t *testing.T) {
	id := BindingID("github", "1")
	marker, other, empty := linkMarker(id), "Smith", ""
	tests := []struct {
		name     string
		lastName *string
		want     string
		wantOK   bool
	}{
		{"marker", &marker, id, true},
		{"real last name", &other, "", false},
		{"empty last name", &empty, "", false},
		{"no last name", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := linkedTo(&User{LastName: tt.lastName})
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("linkedTo = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestDerivedUsername(t *testing.T) {
	got := DerivedUsername("github", "42", "alice")
	if got != DerivedUsername("github", "42", "alice") {
		t.Fatal("DerivedUsername differs between calls")
	}
	// The hash part is the first 8 hex digits of SHA-256("github\x0042"),
	// computed with Python's hashlib.
	if want := "alice-github-c3f03387"; got != want {
		t.Errorf("DerivedUsername = %q, want %q", got, want)
	}
	if other := DerivedUsername("github", "43", "alice"); other == got {
		t.Errorf("two subjects derive the same username %q", got)
	}
}
