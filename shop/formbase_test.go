package shop

import (
	"slices"
	"testing"
)

func TestMergeForm(t *testing.T) {
	base := FormBase(map[string]string{"stock": "5", "name": "煎茶", "price": "1000"})
	for _, tc := range []struct {
		name             string
		base             string
		typed, current   map[string]string
		write, conflicts []string
	}{
		{"untouched field keeps the stored value", base,
			map[string]string{"stock": "5", "name": "新茶"}, map[string]string{"stock": "0", "name": "煎茶"}, []string{"name"}, nil},
		{"changed here only", base,
			map[string]string{"stock": "8"}, map[string]string{"stock": "5"}, []string{"stock"}, nil},
		{"changed in both to different values", base,
			map[string]string{"stock": "8"}, map[string]string{"stock": "3"}, nil, []string{"stock"}},
		{"changed in both to the same value", base,
			map[string]string{"stock": "3"}, map[string]string{"stock": "3"}, nil, nil},
		{"field not in the base", base,
			map[string]string{"memo": "x"}, map[string]string{"memo": "y"}, nil, []string{"memo"}},
		{"field not stored yet", base,
			map[string]string{"new": "x"}, map[string]string{}, []string{"new"}, nil},
		{"no base writes what differs", "",
			map[string]string{"stock": "8", "name": "煎茶"}, map[string]string{"stock": "3", "name": "煎茶"}, []string{"stock"}, nil},
		{"a garbled base is no base", "%zz",
			map[string]string{"stock": "8"}, map[string]string{"stock": "3"}, []string{"stock"}, nil},
	} {
		write, conflicts := mergeForm(tc.base, tc.typed, tc.current)
		if !slices.Equal(write, tc.write) || !slices.Equal(conflicts, tc.conflicts) {
			t.Errorf("%s: write %v conflicts %v, want %v %v", tc.name, write, conflicts, tc.write, tc.conflicts)
		}
	}
}

// A setting added later needs a name for the stale-form message; without
// one the message would show its key.
func TestEverySettingHasALabel(t *testing.T) {
	keys := DefaultSettings().values()
	for k := range DefaultAmazonPaySettings().values() {
		keys[k] = ""
	}
	for k := range keys {
		if settingLabels[k] == "" {
			t.Errorf("setting %q has no label in settingLabels", k)
		}
	}
}
