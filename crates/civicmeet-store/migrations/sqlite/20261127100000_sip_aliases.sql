-- A meeting may also be dialled by name (issue 7): sip:<alias>@<server>,
-- for room systems whose directory holds names rather than numbers.
-- Lower case, never all digits (so it never shadows a dial number).
ALTER TABLE meetings ADD COLUMN sip_alias TEXT;
CREATE UNIQUE INDEX meetings_sip_alias ON meetings (sip_alias);
