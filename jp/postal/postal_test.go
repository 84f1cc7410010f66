package postal

import (
	"testing"
)

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		code string
		want []Address
	}{
		{"1500001", []Address{{"東京都", "渋谷区", "神宮前"}}},
		{"〒530-0001", []Address{{"大阪府", "大阪市北区", "梅田"}}},
		{"０６０－００００", []Address{{"北海道", "札幌市中央区", ""}}},
		{"907-1801", []Address{{"沖縄県", "八重山郡与那国町", "与那国"}}},
		{"100-0001", []Address{{"東京都", "千代田区", "千代田"}}},
		{"0000000", nil},
		{"12345", nil},
		{"abcdefg", nil},
		{"", nil},
	} {
		got, err := Lookup(tc.code)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(tc.want) {
			t.Errorf("%q: %v, want %v", tc.code, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%q: %v, want %v", tc.code, got, tc.want)
			}
		}
	}
}

// A code whose items live only under its 5-digit prefix still resolves,
// and a code that covers several towns lists each once.
func TestLookupSharedPrefixAndSeveralTowns(t *testing.T) {
	got, err := Lookup("0600042")
	if err != nil || len(got) == 0 || got[0].Prefecture != "北海道" || got[0].City != "札幌市中央区" {
		t.Fatalf("0600042: %v %v", got, err)
	}
	if got, _ := Lookup("0287302"); len(got) != 3 || got[0].Town != "八幡平温泉郷" || got[2].Town != "松川温泉" {
		t.Errorf("0287302 (three towns): %v", got)
	}
	if got, _ := Lookup("0350000"); len(got) != 2 || got[0].City == got[1].City || got[0].Prefecture != "青森県" {
		t.Errorf("0350000 (two cities): %v", got)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"123-4567": "1234567", "〒１２３ー４５６７": "1234567", " 1234567 ": "1234567"} {
		if got, ok := Normalize(in); !ok || got != want {
			t.Errorf("%q: %q %v", in, got, ok)
		}
	}
	for _, in := range []string{"123-456", "12345678", "123a567", "<script>"} {
		if _, ok := Normalize(in); ok {
			t.Errorf("%q accepted", in)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	if _, err := Lookup("1500001"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		_, _ = Lookup("5300001")
	}
}
