package handlers_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"kago/jobs"
)

// TestAdminJobsPage: 定期処理 lists each job with its last run, result and
// next run; 「今すぐ実行」 makes it due at once.
func TestAdminJobsPage(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	mustContain(t, k.get("/admin/jobs").body, "定期処理はまだ登録されていません")

	ctx := context.Background()
	s := jobs.New(k.db, slog.New(slog.NewTextHandler(io.Discard, nil)),
		jobs.Job{Name: "mail.deliver", Label: "メール送信", Every: 15 * time.Second,
			Run: func(context.Context) (int, error) { return 0, errors.New("dial tcp 127.0.0.1:25: connection refused") }},
		jobs.Job{Name: "cleanup", Label: "不要データの削除", Every: time.Hour, Run: func(context.Context) (int, error) { return 7, nil }})
	if err := s.Register(ctx); err != nil {
		t.Fatal(err)
	}
	s.RunDue(ctx)
	r := k.get("/admin/jobs")
	mustContain(t, r.body, "定期処理", "メール送信", "15秒ごと", "connection refused", "エラー", "不要データの削除", "1時間ごと", "正常",
		"今すぐ実行", `<td data-label="処理件数">7</td>`)
	if strings.Contains(r.body, "まもなく") {
		t.Error("a job that just ran is shown as due")
	}
	if r := k.post("/admin/jobs/cleanup/run", nil); r.status != http.StatusSeeOther || r.location != "/admin/jobs" {
		t.Fatalf("run now: %d %s", r.status, r.location)
	}
	r = k.get("/admin/jobs")
	mustContain(t, r.body, "まもなく実行します。", "まもなく")
	if r := k.post("/admin/jobs/no-such-job/run", nil); r.status != http.StatusNotFound {
		t.Fatalf("unknown job: %d", r.status)
	}
}
