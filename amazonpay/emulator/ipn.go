package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"kago/amazonpay"
)

// Delivery records one notification and what became of its delivery.
type Delivery struct {
	Message   amazonpay.IPNMessage
	MessageID string
	URL       string
	Attempts  int
	Status    int // HTTP status of the last attempt (0: no answer)
	Delivered bool
	Err       string
	At        time.Time // emulator clock when it was sent
}

const maxDeliveryLog = 500

// Deliveries returns the notifications sent so far (the last 500), oldest first.
func (e *Emulator) Deliveries() []Delivery {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Delivery(nil), e.deliveries...)
}

// WaitIdle waits until no notification delivery is in flight (including
// retries), or ctx ends.
func (e *Emulator) WaitIdle(ctx context.Context) error {
	for {
		e.mu.Lock()
		if e.inflight == 0 {
			e.mu.Unlock()
			return nil
		}
		ch := e.idle
		e.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// notifyLocked queues a notification for asynchronous delivery.
func (e *Emulator) notifyLocked(merchantID, env, objectType, objectID, permissionID string) {
	if e.closed {
		return
	}
	m := e.byID[merchantID]
	msg := amazonpay.IPNMessage{
		MerchantID: merchantID, ObjectType: objectType, ObjectID: objectID, ChargePermissionID: permissionID,
		NotificationType: amazonpay.NotificationTypeStateChange, NotificationID: newUUID(), NotificationVersion: "V2",
	}
	d := Delivery{Message: msg, MessageID: newUUID(), At: e.now()}
	if m != nil {
		d.URL = m.IPNURL
	}
	if d.URL == "" {
		d.Err = "no IPN URL registered"
		e.appendDelivery(d)
		return
	}
	e.appendDelivery(d)
	copies := 1
	if e.dupIPN {
		copies = 2
	}
	if e.inflight == 0 {
		e.idle = make(chan struct{})
	}
	e.inflight += copies
	topic := "arn:aws:sns:ap-northeast-1:000000000000:AmazonPayEmulator-" + merchantID
	ts := e.now().Format("2006-01-02T15:04:05.000Z")
	body, _ := json.Marshal(struct {
		amazonpay.IPNMessage
		ReleaseEnvironment string `json:"ReleaseEnvironment"`
	}{msg, env})
	env2 := amazonpay.Notification{
		Type: "Notification", MessageID: d.MessageID, TopicArn: topic, Message: string(body),
		Timestamp: ts, SignatureVersion: e.opts.SignatureVersion,
	}
	for range copies {
		e.wg.Add(1)
		go e.deliver(env2, d.URL, d.MessageID)
	}
}

func (e *Emulator) appendDelivery(d Delivery) {
	if len(e.deliveries) >= maxDeliveryLog {
		e.deliveries = append(e.deliveries[:0], e.deliveries[len(e.deliveries)-maxDeliveryLog/2:]...)
	}
	e.deliveries = append(e.deliveries, d)
}

func (e *Emulator) updateDelivery(messageID string, f func(*Delivery)) {
	for i := len(e.deliveries) - 1; i >= 0; i-- {
		if e.deliveries[i].MessageID == messageID {
			f(&e.deliveries[i])
			return
		}
	}
}

func (e *Emulator) deliver(n amazonpay.Notification, url, messageID string) {
	defer e.wg.Done()
	defer func() {
		e.mu.Lock()
		e.inflight--
		if e.inflight == 0 {
			close(e.idle)
		}
		e.mu.Unlock()
	}()
	if err := e.ensurePKI(); err != nil {
		e.log.Error("amazonpay emulator: notification key", "err", err)
		return
	}
	certURL, _ := e.SigningCertURL()
	n.SigningCertURL = certURL
	n.UnsubscribeURL = strings.TrimSuffix(certURL, "/sns/"+e.pki.snsName) + "/sns/unsubscribe?SubscriptionArn=" + n.TopicArn
	if err := amazonpay.SignNotification(&n, e.pki.key); err != nil {
		e.log.Error("amazonpay emulator: signing notification", "err", err)
		return
	}
	body, _ := json.Marshal(n)
	delay := e.opts.IPNRetryDelay
	for attempt := 1; attempt <= 1+e.opts.IPNRetries; attempt++ {
		status, err := e.post(url, n, body)
		ok := err == nil && status >= 200 && status < 300
		e.mu.Lock()
		e.updateDelivery(messageID, func(d *Delivery) {
			d.Attempts++
			d.Status = status
			if ok {
				d.Delivered, d.Err = true, ""
			} else if err != nil {
				d.Err = err.Error()
			} else {
				d.Err = http.StatusText(status)
			}
		})
		e.mu.Unlock()
		if ok {
			return
		}
		e.log.Info("amazonpay emulator: notification delivery failed", "url", url, "attempt", attempt, "status", status, "err", err)
		if attempt > e.opts.IPNRetries {
			return
		}
		t := time.NewTimer(delay)
		select {
		case <-e.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		delay *= 2
	}
}

func (e *Emulator) post(url string, n amazonpay.Notification, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	req.Header.Set("User-Agent", "Amazon Simple Notification Service Agent")
	req.Header.Set("x-amz-sns-message-type", n.Type)
	req.Header.Set("x-amz-sns-message-id", n.MessageID)
	req.Header.Set("x-amz-sns-topic-arn", n.TopicArn)
	resp, err := e.opts.IPNClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}
