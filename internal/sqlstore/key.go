package sqlstore

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"slices"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
)

// Ensure KeyService implements the interface.
var _ sluice.KeyService = (*KeyService)(nil)

// KeyService stores API keys in the control database: the key id in the
// clear, the secret only as a SHA-256 hash.
type KeyService struct{ db *DB }

// NewKeyService returns a KeyService over db.
func NewKeyService(db *DB) *KeyService { return &KeyService{db: db} }

// CreateKey makes a key for k.OrgID and k.Role, or for a supervisor's
// k.Regions, and returns its token.
func (s *KeyService) CreateKey(ctx context.Context, k *sluice.APIKey) (string, error) {
	if err := k.ValidateScope(); err != nil {
		return "", err
	}
	id, secret, token := sluice.NewKeyToken()
	hash := sha256.Sum256([]byte(secret))

	if k.Role == sluice.RoleSupervisor {
		return token, s.createSupervisorKey(ctx, k, id, hash[:])
	}
	err := s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		org, err := findOrgByID(ctx, tx, k.OrgID)
		if err != nil {
			return err
		}
		k.ID, k.CreatedAt, k.Org = id, tx.Now, org
		if _, err := tx.Exec(ctx, `INSERT INTO api_keys (id, org_id, role, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
			k.ID, k.OrgID, k.Role, hash[:], tx.Dialect().Time(k.CreatedAt)); err != nil {
			return tx.Dialect().FormatError(err)
		}
		_, err = AppendEvent(ctx, tx, &sluice.Event{
			Action:  sluice.ActionKeyCreate,
			Object:  map[string]any{"org": org.Name, "key": k.ID},
			Details: map[string]any{"role": string(k.Role)},
		})
		return err
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// Authenticate returns the live key whose token this is.
func (s *KeyService) Authenticate(ctx context.Context, token string) (*sluice.APIKey, error) {
	id, secret, ok := sluice.ParseKeyToken(token)
	if !ok {
		return nil, sluice.Errorf(sluice.EUNAUTHORIZED, "Malformed API key.")
	}
	var k sluice.APIKey
	var hash []byte
	var regions string
	err := s.db.Read.QueryRow(ctx, `SELECT id, org_id, role, '', secret_hash, created_at, revoked_at FROM api_keys WHERE id = $1
		UNION ALL SELECT id, 0, 'supervisor', regions, secret_hash, created_at, revoked_at FROM supervisor_keys WHERE id = $1`, id).
		Scan(&k.ID, &k.OrgID, &k.Role, &regions, &hash, ScanTime(&k.CreatedAt), ScanNullTime(&k.RevokedAt))
	if err != nil && !IsNoRows(err) {
		return nil, err
	}
	want := sha256.Sum256([]byte(secret))
	if err != nil || subtle.ConstantTimeCompare(hash, want[:]) != 1 {
		return nil, sluice.Errorf(sluice.EUNAUTHORIZED, "Invalid API key.")
	}
	if k.RevokedAt != nil {
		return nil, sluice.Errorf(sluice.EUNAUTHORIZED, "API key %s was revoked.", k.ID)
	}
	if k.Role == sluice.RoleSupervisor {
		k.Regions = parseRegions(regions)
		return &k, nil
	}
	if k.Org, err = findOrgByID(ctx, s.db.Read, k.OrgID); err != nil {
		return nil, err
	}
	return &k, nil
}

// FindKeys returns the keys matching filter.
func (s *KeyService) FindKeys(ctx context.Context, filter sluice.KeyFilter) ([]*sluice.APIKey, int, error) {
	var w where
	if v := filter.OrgID; v != nil {
		w.add("org_id = $?", *v)
	}
	query := `SELECT id, org_id, role, regions, created_at, revoked_at, COUNT(*) OVER ()
		FROM (SELECT id, org_id, role, '' AS regions, created_at, revoked_at FROM api_keys
			UNION ALL SELECT id, 0, 'supervisor', regions, created_at, revoked_at FROM supervisor_keys) k
		WHERE ` + w.String() + ` ORDER BY created_at, id`
	query += w.limit(s.db.Dialect, filter.Limit, filter.Offset)
	rows, err := s.db.Read.Query(ctx, query, w.args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var keys []*sluice.APIKey
	var n int
	for rows.Next() {
		var k sluice.APIKey
		var regions string
		if err := rows.Scan(&k.ID, &k.OrgID, &k.Role, &regions, ScanTime(&k.CreatedAt), ScanNullTime(&k.RevokedAt), &n); err != nil {
			return nil, 0, err
		}
		k.Regions = parseRegions(regions)
		keys = append(keys, &k)
	}
	return keys, n, rows.Err()
}

// RevokeKey revokes a key.
func (s *KeyService) RevokeKey(ctx context.Context, id string) error {
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		var orgName string
		var revoked *time.Time
		if err := tx.QueryRow(ctx, `SELECT o.name, k.revoked_at FROM api_keys k JOIN orgs o ON o.id = k.org_id WHERE k.id = $1`+
			tx.Dialect().ForUpdate("FOR UPDATE OF k"), id).Scan(&orgName, ScanNullTime(&revoked)); IsNoRows(err) {
			return revokeSupervisorKey(ctx, tx, id)
		} else if err != nil {
			return err
		} else if revoked != nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE api_keys SET revoked_at = $1 WHERE id = $2`, tx.Dialect().Time(tx.Now), id); err != nil {
			return tx.Dialect().FormatError(err)
		}
		_, err := AppendEvent(ctx, tx, &sluice.Event{
			Action: sluice.ActionKeyRevoke,
			Object: map[string]any{"org": orgName, "key": id},
		})
		return err
	})
}

// createSupervisorKey stores a supervisor's key with its regions.
func (s *KeyService) createSupervisorKey(ctx context.Context, k *sluice.APIKey, id string, hash []byte) error {
	regions := make([]string, len(k.Regions))
	for i, r := range k.Regions {
		regions[i] = string(r)
	}
	slices.Sort(regions)
	regions = slices.Compact(regions)
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		k.ID, k.CreatedAt, k.Org, k.Regions = id, tx.Now, nil, parseRegions(strings.Join(regions, " "))
		if _, err := tx.Exec(ctx, `INSERT INTO supervisor_keys (id, regions, secret_hash, created_at) VALUES ($1, $2, $3, $4)`,
			k.ID, strings.Join(regions, " "), hash, tx.Dialect().Time(k.CreatedAt)); err != nil {
			return tx.Dialect().FormatError(err)
		}
		_, err := AppendEvent(ctx, tx, &sluice.Event{
			Action:  sluice.ActionKeyCreate,
			Object:  map[string]any{"key": k.ID},
			Details: map[string]any{"role": string(k.Role), "regions": regions},
		})
		return err
	})
}

// revokeSupervisorKey revokes a supervisor's key, or returns ENOTFOUND.
func revokeSupervisorKey(ctx context.Context, tx *Tx, id string) error {
	var revoked *time.Time
	if err := tx.QueryRow(ctx, `SELECT revoked_at FROM supervisor_keys WHERE id = $1`+tx.Dialect().ForUpdate("FOR UPDATE"), id).
		Scan(ScanNullTime(&revoked)); IsNoRows(err) {
		return sluice.Errorf(sluice.ENOTFOUND, "API key %q not found.", id)
	} else if err != nil {
		return err
	} else if revoked != nil {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE supervisor_keys SET revoked_at = $1 WHERE id = $2`, tx.Dialect().Time(tx.Now), id); err != nil {
		return tx.Dialect().FormatError(err)
	}
	_, err := AppendEvent(ctx, tx, &sluice.Event{Action: sluice.ActionKeyRevoke, Object: map[string]any{"key": id}})
	return err
}

func parseRegions(s string) []sluice.Region {
	var out []sluice.Region
	for _, f := range strings.Fields(s) {
		out = append(out, sluice.Region(f))
	}
	return out
}
