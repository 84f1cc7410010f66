package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeRunsTheJobs: kago serve starts the scheduler with every job, and
// 定期処理 shows that each has run once at start.
func TestServeRunsTheJobs(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: time.Minute} // a hang guard; bcrypt under -race on a busy machine is slow
	get := func(path string) string {
		res, err := client.Get(a.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	token := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(get("/admin/login"))
	if token == nil {
		t.Fatal("no CSRF token on the login page")
	}
	res, err := client.PostForm(a.URL+"/admin/login", url.Values{"_csrf": {token[1]}, "email": {a.AdminEmail}, "password": {a.AdminPassword}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var page string
	for range 50 { // the first runs start within the scheduler's first pass
		page = get("/admin/jobs")
		if strings.Count(page, "status-sent") == 7 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, want := range []string{"メール送信", "15秒ごと", "Amazon Pay 未完了注文の確認", "1分ごと", "不要データの削除", "1時間ごと", "決済待ちの在庫確保の解除",
		"Amazon Pay 通知（IPN）の処理", "Amazon Pay 処理中の決済の確認", "Amazon Pay 照合", "24時間ごと"} {
		if !strings.Contains(page, want) {
			t.Errorf("定期処理 lacks %q", want)
		}
	}
	if n := strings.Count(page, "status-sent"); n != 7 {
		t.Errorf("%d of 7 jobs ran without error:\n%s", n, page)
	}
}
