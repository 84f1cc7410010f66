package emulator

import (
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"kago/amazonpay"
)

// BenchmarkCheckoutSequence runs a whole checkout over real HTTP per
// iteration: create session, sign in and select on the hosted pages, update,
// the amazonPayRedirectUrl, complete, capture, refund and get refund (10
// HTTP calls). It reports HTTP calls per second.
func BenchmarkCheckoutSequence(b *testing.B) {
	te := newEnv(b)
	br := browser()
	const calls = 10
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		k := "bench-" + strconv.Itoa(i)
		cs, err := te.client.CreateCheckoutSession(te.ctx, amazonpay.CreateCheckoutSessionRequest{
			WebCheckoutDetails: amazonpay.WebCheckoutDetails{CheckoutReviewReturnURL: "https://shop.example.jp/review"},
			StoreID:            testStoreID,
		}, k+"-s")
		if err != nil {
			b.Fatal(err)
		}
		id := cs.CheckoutSessionID
		for _, step := range []struct {
			path string
			form url.Values
		}{
			{"/signin", url.Values{"amazonCheckoutSessionId": {id}, "buyerId": {BuyerTaro}}},
			{"/checkout/select", url.Values{"amazonCheckoutSessionId": {id}, "address": {"0"}, "payment": {"0"}}},
		} {
			resp, err := br.PostForm(te.srv.URL+step.path, step.form)
			if err != nil {
				b.Fatal(err)
			}
			if resp.StatusCode != 303 {
				b.Fatal(step.path, resp.StatusCode)
			}
			resp.Body.Close()
		}
		up, err := te.client.UpdateCheckoutSession(te.ctx, id, amazonpay.UpdateCheckoutSessionRequest{
			WebCheckoutDetails: &amazonpay.WebCheckoutDetails{CheckoutResultReturnURL: "https://shop.example.jp/result"},
			PaymentDetails:     &amazonpay.PaymentDetails{PaymentIntent: "Authorize", ChargeAmount: amazonpay.PtrJPY(1080)},
		})
		if err != nil {
			b.Fatal(err)
		}
		resp, err := br.Get(up.WebCheckoutDetails.AmazonPayRedirectURL)
		if err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode != 303 {
			b.Fatal("amazonPayRedirectUrl", resp.StatusCode)
		}
		resp.Body.Close()
		done, err := te.client.CompleteCheckoutSession(te.ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(1080)}, k+"-c")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := te.client.CaptureCharge(te.ctx, done.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(1080)}, k+"-p"); err != nil {
			b.Fatal(err)
		}
		r, err := te.client.CreateRefund(te.ctx, amazonpay.CreateRefundRequest{ChargeID: done.ChargeID, RefundAmount: amazonpay.JPY(80)}, k+"-r")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := te.client.GetRefund(te.ctx, r.RefundID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*calls)/b.Elapsed().Seconds(), "calls/s")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checkouts/s")
}

// BenchmarkStateAfterOrders runs 2,000 Amazon Pay orders over real HTTP
// through an emulator with a state file, as a busy shop would (the sweep
// every 100 orders, about every 10 s), and reports what the state costs:
// the heap still in use after a GC (heap_MB, the emulator's share of the
// process), the process's resident memory (rss_MB) and the state on disk
// (state_MB, the file and its WAL). Run it alone:
//
//	go test ./amazonpay/emulator -run '^$' -bench StateAfterOrders -benchtime 1x
func BenchmarkStateAfterOrders(b *testing.B) {
	const orders = 2000
	for b.Loop() {
		dir := b.TempDir()
		file := filepath.Join(dir, "amazonpay-emulator.db")
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		te := newEnv(b, func(o *Options, _ *amazonpay.Config) { o.StateFile = file })
		// No notification receiver: it would keep every body in the process.
		if err := te.em.SetIPNURL(testMerchantID, ""); err != nil {
			b.Fatal(err)
		}
		br := browser()
		for i := range orders {
			intent := "AuthorizeWithCapture"
			if i%10 == 0 {
				intent = "Authorize" // stays open until captured or expired
			}
			k := "bench-" + strconv.Itoa(i)
			cs, err := te.client.CreateCheckoutSession(te.ctx, amazonpay.CreateCheckoutSessionRequest{
				WebCheckoutDetails: amazonpay.WebCheckoutDetails{CheckoutReviewReturnURL: "https://shop.example.jp/review", CheckoutCancelURL: "https://shop.example.jp/cart"},
				StoreID:            testStoreID,
				Scopes:             []string{"name", "email", "phoneNumber"},
				MerchantMetadata:   &amazonpay.MerchantMetadata{MerchantStoreName: "判図商店"},
			}, k+"-s")
			if err != nil {
				b.Fatal(err)
			}
			id := cs.CheckoutSessionID
			for _, step := range []struct {
				path string
				form url.Values
			}{
				{"/signin", url.Values{"amazonCheckoutSessionId": {id}, "buyerId": {BuyerTaro}}},
				{"/checkout/select", url.Values{"amazonCheckoutSessionId": {id}, "address": {"0"}, "payment": {"0"}}},
			} {
				resp, err := br.PostForm(te.srv.URL+step.path, step.form)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
			}
			up, err := te.client.UpdateCheckoutSession(te.ctx, id, amazonpay.UpdateCheckoutSessionRequest{
				WebCheckoutDetails: &amazonpay.WebCheckoutDetails{CheckoutResultReturnURL: "https://shop.example.jp/result"},
				PaymentDetails:     &amazonpay.PaymentDetails{PaymentIntent: intent, ChargeAmount: amazonpay.PtrJPY(3280), CanHandlePendingAuthorization: true},
				MerchantMetadata:   &amazonpay.MerchantMetadata{MerchantReferenceID: strconv.Itoa(100001 + i)},
			})
			if err != nil {
				b.Fatal(err)
			}
			resp, err := br.Get(up.WebCheckoutDetails.AmazonPayRedirectURL)
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			done, err := te.client.CompleteCheckoutSession(te.ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(3280)}, k+"-c")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := te.client.GetCharge(te.ctx, done.ChargeID); err != nil {
				b.Fatal(err)
			}
			if i%20 == 1 {
				if _, err := te.client.CreateRefund(te.ctx, amazonpay.CreateRefundRequest{ChargeID: done.ChargeID, RefundAmount: amazonpay.JPY(1000)}, k+"-r"); err != nil {
					b.Fatal(err)
				}
			}
			if i%100 == 99 {
				te.em.Sweep()
			}
		}
		te.em.Sweep()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-min(before.HeapAlloc, after.HeapAlloc))/(1<<20), "heap_MB")
		b.ReportMetric(float64(procStatusKB(b, "VmRSS"))/1024, "rss_MB")
		size := int64(0)
		for _, f := range []string{file, file + "-wal"} {
			if fi, err := os.Stat(f); err == nil {
				size += fi.Size()
			}
		}
		b.ReportMetric(float64(size)/(1<<20), "state_MB")
	}
}

// procStatusKB reads a kB field of /proc/self/status (VmRSS, VmHWM).
func procStatusKB(b *testing.B, field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatalf("no %s in /proc/self/status", field)
	return 0
}
