package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/sluice-gateway/sluice/policy"
	"github.com/sluice-gateway/sluice/sharing"
)

// DefaultExpiryInterval is how often sluice serve records the expiry of
// grants past their end. Reads never wait for it: a grant past its expiry
// serves nothing from that instant.
const DefaultExpiryInterval = time.Minute

// openSharing gives the API its governed-sharing services: the decision
// engine over the built-in legal rules, loaded with the stored grants and
// organisation policies; the subject-key secret for consents and a
// pseudonym secret derived from it. It starts recording grant expiries in
// the background.
func (m *Main) openSharing(ctx context.Context, subjectSecret []byte) error {
	rules, err := policy.DefaultRules()
	if err != nil {
		return fmt.Errorf("sharing rules: %w", err)
	}
	sh := sharing.New(rules, subjectSecret)
	m.Records.IngestRule = rules // what some sectors may never collect
	if m.API.Processing != nil {
		m.API.Processing.WrittenConsent = rules.WrittenConsentCategory // credit information (Art. 18)
	}
	s := m.Stores
	sh.Orgs, sh.Datasets, sh.Records, sh.Purposes, sh.Grants = s.Orgs, s.Datasets, m.Records, s.Purposes, s.Grants
	sh.Consents, sh.Policies, sh.Events, sh.Logger = s.Consents, s.Policies, s.Events, m.Logger
	if sh.Classes, err = policy.DefaultClasses(); err != nil {
		return err
	}
	sh.Catalog = s.Catalog
	// Decisions and grant requests about a dataset its owner does not
	// publish for sharing answer as for one that does not exist.
	sh.DatasetVisible = sh.CatalogVisible
	if err := sh.Load(ctx); err != nil {
		return err
	}
	m.API.Sharing = sh

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(DefaultExpiryInterval)
		defer t.Stop()
		for {
			gs, err := s.Grants.ExpireGrants(runCtx)
			if err != nil && runCtx.Err() == nil {
				m.Logger.Error("record grant expiries", slog.Any("err", err))
			}
			for _, g := range gs {
				m.Logger.Info("grant expired", slog.Int64("grant", g.ID), slog.Int64("dataset", g.DatasetID))
			}
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
			}
		}
	}()
	m.stopSharing = func() {
		cancel()
		<-done
	}
	return nil
}

// closeSharing stops recording grant expiries.
func (m *Main) closeSharing() {
	if m.stopSharing != nil {
		m.stopSharing()
		m.stopSharing = nil
	}
}
