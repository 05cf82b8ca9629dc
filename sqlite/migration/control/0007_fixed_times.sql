-- Times are stored as fixed-width RFC 3339 UTC text with all nine digits
-- of nanoseconds (2006-01-02T15:04:05.000000000Z), so that text order is
-- time order. Rows written before in the shortest form (RFC3339Nano, which
-- drops trailing zeros: "05Z" sorted after "05.5Z") are rewritten. Every
-- stored time is UTC, ending in Z.
UPDATE orgs SET created_at = substr(created_at, 1, 19) || '.' ||
	substr(CASE WHEN substr(created_at, 20, 1) = '.' THEN substr(created_at, 21, length(created_at) - 21) ELSE '' END || '000000000', 1, 9) || 'Z'
	WHERE length(created_at) <> 30;
UPDATE api_keys SET created_at = substr(created_at, 1, 19) || '.' ||
	substr(CASE WHEN substr(created_at, 20, 1) = '.' THEN substr(created_at, 21, length(created_at) - 21) ELSE '' END || '000000000', 1, 9) || 'Z'
	WHERE length(created_at) <> 30;
UPDATE api_keys SET revoked_at = substr(revoked_at, 1, 19) || '.' ||
	substr(CASE WHEN substr(revoked_at, 20, 1) = '.' THEN substr(revoked_at, 21, length(revoked_at) - 21) ELSE '' END || '000000000', 1, 9) || 'Z'
	WHERE length(revoked_at) <> 30;
UPDATE datasets SET created_at = substr(created_at, 1, 19) || '.' ||
	substr(CASE WHEN substr(created_at, 20, 1) = '.' THEN substr(created_at, 21, length(created_at) - 21) ELSE '' END || '000000000', 1, 9) || 'Z'
	WHERE length(created_at) <> 30;
UPDATE datasets SET updated_at = substr(updated_at, 1, 19) || '.' ||
	substr(CASE WHEN substr(updated_at, 20, 1) = '.' THEN substr(updated_at, 21, length(updated_at) - 21) ELSE '' END || '000000000', 1, 9) || 'Z'
	WHERE length(updated_at) <> 30;
UPDATE ingests SET created_at = substr(created_at, 1, 19) || '.' ||
	substr(CASE WHEN substr(created_at, 20, 1) = '.' THEN substr(created_at, 21, length(created_at) - 21) ELSE '' END || '000000000', 1, 9) || 'Z'
	WHERE length(created_at) <> 30;
UPDATE purposes SET created_at = substr(created_at, 1, 19) || '.' ||
	substr(CASE WHEN substr(created_at, 20, 1) = '.' THEN substr(created_at, 21, length(created_at) - 21) ELSE '' END || '000000000', 1, 9) || 'Z'
	WHERE length(created_at) <> 30;
UPDATE grants SET expires_at = substr(expires_at, 1, 19) || '.' ||
	substr(CASE WHEN substr(expires_at, 20, 1) = '.' THEN substr(expires_at, 21, length(expires_at) - 21) ELSE '' END || '000000000', 1, 9) || 'Z'
	WHERE length(expires_at) <> 30;
UPDATE grants SET created_at = substr(created_at, 1, 19) || '.' ||
	substr(CASE WHEN substr(created_at, 20, 1) = '.' THEN substr(created_at, 21, length(created_at) - 21) ELSE '' END || '000000000', 1, 9) || 'Z'
	WHERE length(created_at) <> 30;
UPDATE grants SET updated_at = substr(updated_at, 1, 19) || '.' ||
	substr(CASE WHEN substr(updated_at, 20, 1) = '.' THEN substr(updated_at, 21, length(updated_at) - 21) ELSE '' END || '000000000', 1, 9) || 'Z'
	WHERE length(updated_at) <> 30;
UPDATE grants SET decided_at = substr(decided_at, 1, 19) || '.' ||
	substr(CASE WHEN substr(decided_at, 20, 1) = '.' THEN substr(decided_at, 21, length(decided_at) - 21) ELSE '' END || '000000000', 1, 9) || 'Z'
	WHERE length(decided_at) <> 30;
UPDATE consents SET created_at = substr(created_at, 1, 19) || '.' ||
	substr(CASE WHEN substr(created_at, 20, 1) = '.' THEN substr(created_at, 21, length(created_at) - 21) ELSE '' END || '000000000', 1, 9) || 'Z'
	WHERE length(created_at) <> 30;
UPDATE org_policies SET updated_at = substr(updated_at, 1, 19) || '.' ||
	substr(CASE WHEN substr(updated_at, 20, 1) = '.' THEN substr(updated_at, 21, length(updated_at) - 21) ELSE '' END || '000000000', 1, 9) || 'Z'
	WHERE length(updated_at) <> 30;
UPDATE transfers SET created_at = substr(created_at, 1, 19) || '.' ||
	substr(CASE WHEN substr(created_at, 20, 1) = '.' THEN substr(created_at, 21, length(created_at) - 21) ELSE '' END || '000000000', 1, 9) || 'Z'
	WHERE length(created_at) <> 30;
UPDATE transfers SET updated_at = substr(updated_at, 1, 19) || '.' ||
	substr(CASE WHEN substr(updated_at, 20, 1) = '.' THEN substr(updated_at, 21, length(updated_at) - 21) ELSE '' END || '000000000', 1, 9) || 'Z'
	WHERE length(updated_at) <> 30;
UPDATE transfer_exports SET created_at = substr(created_at, 1, 19) || '.' ||
	substr(CASE WHEN substr(created_at, 20, 1) = '.' THEN substr(created_at, 21, length(created_at) - 21) ELSE '' END || '000000000', 1, 9) || 'Z'
	WHERE length(created_at) <> 30;
