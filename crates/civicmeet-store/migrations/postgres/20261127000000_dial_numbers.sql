-- SIP dial-in (issue 7): a meeting has a number that room systems and
-- phones dial (sip:<number>@<server>) and keypads can type: 9 random digits,
-- unique. Meetings made before this get theirs when first asked for.
ALTER TABLE meetings ADD COLUMN dial_number TEXT;
CREATE UNIQUE INDEX meetings_dial_number ON meetings (dial_number);
