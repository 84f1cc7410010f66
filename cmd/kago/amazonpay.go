package main

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"kago/amazonpay"
	"kago/amazonpay/emulator"
	"kago/handlers"
	"kago/shop"
)

// amazonPayEmulator sets up the Amazon Pay emulator the shop talks to in
// emulator mode: with cfg.EmulatorURL empty, its own, served under
// handlers.EmulatorPath with its state in the data directory; otherwise a
// separately running one (kago amazonpay-emulator), with which it registers
// its merchant account, so that killing the shop does not kill "Amazon".
// It returns the emulator to mount (nil for a separate one), where the
// emulator's console is, and a function that stops it.
func amazonPayEmulator(ctx context.Context, cfg serveConfig, s *shop.Shop, baseURL string, log *slog.Logger) (handlers.Emulator, string, func() error, error) {
	merchantID, storeID, keyID, publicKeyPEM, err := s.EmulatorMerchant(ctx)
	if err != nil {
		return nil, "", nil, fmt.Errorf("amazon pay emulator key: %w", err)
	}
	// The emulator delivers its signed notifications to the shop (F-53).
	m := emulator.Merchant{MerchantID: merchantID, StoreID: storeID, PublicKeyID: keyID, PublicKeyPEM: publicKeyPEM,
		IPNURL: baseURL + "/amazonpay/ipn"}
	if cfg.EmulatorURL != "" {
		url := strings.TrimRight(cfg.EmulatorURL, "/")
		key, err := s.EmulatorKey(ctx)
		if err != nil {
			return nil, "", nil, fmt.Errorf("amazon pay emulator key: %w", err)
		}
		if err := registerWithEmulator(ctx, url, m, key); err != nil {
			return nil, "", nil, err
		}
		s.SetAmazonPayEnv(shop.AmazonPayEnv{ShopURL: baseURL, EmulatorURL: url})
		return nil, url + "/console", func() error { return nil }, nil
	}
	url := baseURL + handlers.EmulatorPath
	emu, err := emulator.New(emulator.Options{PublicURL: url, StateFile: filepath.Join(cfg.DataDir, "amazonpay-emulator.db"),
		Logger: log.With("component", "amazonpay-emulator")})
	if err != nil {
		return nil, "", nil, fmt.Errorf("amazon pay emulator: %w", err)
	}
	if err := emu.RegisterMerchant(m); err != nil {
		emu.Close()
		return nil, "", nil, fmt.Errorf("amazon pay emulator: %w", err)
	}
	ca, err := emu.CACertPEM()
	if err != nil {
		emu.Close()
		return nil, "", nil, fmt.Errorf("amazon pay emulator: %w", err)
	}
	s.SetAmazonPayEnv(shop.AmazonPayEnv{ShopURL: baseURL, EmulatorURL: url, EmulatorCA: ca})
	return emu, baseURL + handlers.EmulatorConsolePath, emu.Close, nil
}

// registerWithEmulator registers the shop's merchant account with a
// separately running emulator, retrying for 15 s while it starts; the
// emulator's refusal (the account is held by another key, the shop's
// address is not trusted) is final.
func registerWithEmulator(ctx context.Context, url string, m emulator.Merchant, key *rsa.PrivateKey) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for {
		err := emulator.Register(ctx, nil, url, m, key)
		var refused *amazonpay.Error
		switch {
		case err == nil:
			return nil
		case errors.As(err, &refused):
			return fmt.Errorf("the Amazon Pay emulator at %s refused the shop's merchant account: %w", url, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the Amazon Pay emulator at %s: %w", url, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
