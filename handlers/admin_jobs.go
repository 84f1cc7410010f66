package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kago/jp"
	"kago/shop"
	"kago/views"
)

// adminJobs is 定期処理: every scheduler job with its last and next run.
func (srv *Server) adminJobs(c echo.Context) error {
	list, err := srv.shop.Jobs(c.Request().Context())
	if err != nil {
		return err
	}
	rows := make([]views.JobRow, len(list))
	for i, j := range list {
		r := views.JobRow{Name: j.Name, Label: j.Label, Every: everyText(j.Every), LastRun: momentText(j.LastStarted),
			Count: j.LastCount, Error: j.LastError, Failures: j.Failures, Running: j.Running, NextRun: momentText(j.NextRunAt)}
		if !j.LastFinished.IsZero() {
			r.Duration = durationText(j.LastDuration)
		}
		switch {
		case j.Running:
			r.NextRun = "実行中"
		case j.Due:
			r.NextRun = "まもなく"
		}
		rows[i] = r
	}
	return render(c, http.StatusOK, views.AdminJobs(srv.adminPage(c, "定期処理", "jobs"), rows))
}

// adminRunJob is 「今すぐ実行」.
func (srv *Server) adminRunJob(c echo.Context) error {
	err := srv.shop.RunJobNow(c.Request().Context(), c.Param("name"))
	if errors.Is(err, shop.ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	if err := srv.setFlash(c, adminCookie, "まもなく実行します。結果はこの画面でご確認ください。"); err != nil {
		return err
	}
	return redirect(c, "/admin/jobs")
}

// everyText is an interval in words: 15秒ごと, 1分ごと, 1時間ごと.
func everyText(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d時間ごと", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%d分ごと", d/time.Minute)
	}
	return fmt.Sprintf("%d秒ごと", d/time.Second)
}

// durationText is how long a run took: 0.04秒, 12.5秒, 3分5秒.
func durationText(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.2f秒", d.Seconds())
	}
	return fmt.Sprintf("%d分%d秒", d/time.Minute, (d%time.Minute)/time.Second)
}

// momentText is a moment to the second in Japan time: 12月5日（土）14:05:09.
func momentText(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return jp.Date(t) + " " + t.In(jp.Tokyo).Format("15:04:05")
}
