-- Emailed one-time sign-in links (docs/adr/0017): a way into the console that no failed password
-- attempt can block. Stored like reset links: the token's hash only, single use, short-lived.
ALTER TYPE "account_token_purpose" ADD VALUE IF NOT EXISTS 'sign_in';
