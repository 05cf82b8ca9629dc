package transfer

import (
	"context"
	"slices"
	"strings"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy/route"
)

// checkCertificate checks a personal-information protection certificate
// relied on as the route of cur (PIPL Art. 38(1)(2)): it must be within
// its validity (3 years from issue unless it states less) and its scope
// must cover the transfer's country, each category of personal
// information exported and, where it limits them, the recipient and
// purpose. An expired certificate or one whose scope does not cover the
// transfer is refused (EINVALID naming the field, with the dates); a
// certificate not yet valid is accepted and shows as such until it is.
// It sets ev.ValidTo to the certificate's last valid day.
func (s *Service) checkCertificate(ctx context.Context, cur *sluice.Transfer, ev *sluice.TransferEvidence) error {
	if ev.Scope == nil {
		return &sluice.Error{Code: sluice.EINVALID, Field: "scope",
			Message: "scope: required for a certificate: the recipient countries and categories of personal information it covers."}
	}
	cats, err := s.exportCategories(ctx, cur)
	if err != nil {
		return err
	}
	issued, _ := route.ParseDate(ev.ValidFrom)
	var to route.Date
	if ev.ValidTo != "" {
		to, _ = route.ParseDate(ev.ValidTo)
	}
	c := route.Certificate{IssuedOn: issued, ValidTo: to, Scope: route.CertScope{
		Countries: ev.Scope.Countries, Categories: ev.Scope.Categories, Recipients: ev.Scope.Recipients, Purposes: ev.Scope.Purposes,
	}}
	use := route.CertUse{Country: cur.DestinationCountry, Categories: cats, Recipient: cur.Recipient, Purpose: cur.Purpose}
	v, err := s.rules().CertificationValid(c, use, s.today())
	if err != nil {
		field := fieldOf(err)
		if field == "issued_on" {
			field = "valid_from"
		}
		return &sluice.Error{Code: sluice.ErrorCode(err), Field: field,
			Message: strings.NewReplacer("issued_on", "valid_from").Replace(sluice.ErrorMessage(err))}
	}
	switch v.Status {
	case route.Expired:
		return &sluice.Error{Code: sluice.EINVALID, Field: "valid_to", Message: v.Reason}
	case route.OutOfScope:
		return &sluice.Error{Code: sluice.EINVALID, Field: v.Field, Message: v.Reason}
	}
	ev.ValidTo = v.ValidTo.String()
	return nil
}

// exportCategories returns the category keys of personal information
// among the fields cur exports, each once, in field order.
func (s *Service) exportCategories(ctx context.Context, cur *sluice.Transfer) ([]string, error) {
	d, err := s.Datasets.FindDatasetByID(ctx, cur.DatasetID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, name := range cur.Fields {
		f := d.Field(name)
		if f == nil {
			continue
		}
		for _, c := range f.Categories {
			if (c.Key == "user" || strings.HasPrefix(c.Key, "user.")) && !slices.Contains(out, c.Key) {
				out = append(out, c.Key)
			}
		}
	}
	return out, nil
}
