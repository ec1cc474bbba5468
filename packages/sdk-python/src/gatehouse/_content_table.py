"""The content detectors' table, generated from core's TypeScript table (packages/core/src/content/) by
scripts/content-python.ts. Do not edit: `npm run openapi` writes it, and `npm run openapi:check` fails when
it is stale.

Each pattern is the TypeScript one translated to Python ``re`` syntax (JavaScript's \\s, ``.``, ``^`` and
``$`` written out, named groups as ``(?P<name>...)``) and compiled with ``re.ASCII``, so it reads a text of
UTF-16 code units as JavaScript's engine does (without the u flag). _screen.py runs the table; _validators.py
holds each validator named here.
"""

from __future__ import annotations

import re
from typing import Final, Literal, NamedTuple

ContentClass = Literal["secrets", "personalData"]


class Detector(NamedTuple):
    """One detector of core's CONTENT_DETECTORS (docs/content-detectors.md)."""

    id: str
    content_class: ContentClass
    #: Lowercase ASCII literals, one of which must be in the text for the pattern to run; none: the digit gate.
    keywords: tuple[str, ...]
    pattern: str
    flags: int
    #: Which group is the value (0: the whole match).
    group: int
    #: The digit gate of a keyword-less rule: the longest run of digits the text needs (0: none).
    min_digits: int
    #: The validator's name (its TypeScript function's), a key of _validators.VALIDATORS; None: no check.
    validator: str | None


class InstructionRule(NamedTuple):
    """One phrase family of core's INSTRUCTION_RULES (docs/guardrails.md)."""

    id: str
    keywords: tuple[str, ...]
    pattern: str
    flags: int


DETECTORS: Final[tuple[Detector, ...]] = (
    Detector(id="aws_access_key_id", content_class="secrets", keywords=("akia", "asia", "abia", "acca"), pattern=r"(?<![\w\-])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator="notAwsExampleKeyId"),
    Detector(id="aws_secret_access_key", content_class="secrets", keywords=("aws", "secret_access", "secretaccess"), pattern=r"(?:aws|secret_?access)[\w.\-]{0,32}(?<![Ii][Dd])[\"'`]?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}[\"'`]?([A-Za-z0-9/+]{40})(?![\w+/=\-])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator="awsSecretAccessKeyValid"),
    Detector(id="google_api_key", content_class="secrets", keywords=("aiza",), pattern=r"(?<![\w\-])AIza[\w\-]{35}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="gcp_service_account_key_id", content_class="secrets", keywords=("private_key_id",), pattern=r"\"private_key_id\"[ \t]{0,4}:[ \t]{0,4}\"([a-f0-9]{40})\"", flags=re.ASCII, group=1, min_digits=0, validator=None),
    Detector(id="google_oauth_client_secret", content_class="secrets", keywords=("gocspx-",), pattern=r"(?<![\w\-])GOCSPX-[\w\-]{28}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="google_oauth_access_token", content_class="secrets", keywords=("ya29.",), pattern=r"(?<![\w\-])ya29\.[\w\-]{30,}", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="azure_storage_account_key", content_class="secrets", keywords=("accountkey=",), pattern=r"AccountKey=([A-Za-z0-9+/]{86}==)(?![\w+/=\-])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
    Detector(id="azure_shared_access_key", content_class="secrets", keywords=("sharedaccesskey=",), pattern=r"SharedAccessKey=([A-Za-z0-9+/]{43}=)(?![\w+/=\-])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
    Detector(id="azure_sas_signature", content_class="secrets", keywords=("sv=",), pattern=r"\bsv=\d{4}-\d{2}-\d{2}&[^\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\"'<>#]{0,512}?\bsig=([A-Za-z0-9%+/=]{40,120})(?![A-Za-z0-9%+/=])", flags=re.ASCII, group=1, min_digits=0, validator=None),
    Detector(id="azure_ad_client_secret", content_class="secrets", keywords=("q~",), pattern=r"(?<![\w\~.\-])[\w\~.]{3}\dQ~[\w\~.\-]{31,34}(?![\w\~.\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="digitalocean_pat", content_class="secrets", keywords=("dop_v1_",), pattern=r"(?<![\w\-])dop_v1_[a-f0-9]{64}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="digitalocean_oauth_token", content_class="secrets", keywords=("doo_v1_",), pattern=r"(?<![\w\-])doo_v1_[a-f0-9]{64}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="digitalocean_refresh_token", content_class="secrets", keywords=("dor_v1_",), pattern=r"(?<![\w\-])dor_v1_[a-f0-9]{64}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="heroku_api_key", content_class="secrets", keywords=("hrku-",), pattern=r"(?<![\w\-])HRKU-AA[\w\-]{58}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="heroku_api_key_legacy", content_class="secrets", keywords=("heroku",), pattern=r"(?:heroku)[\w.\-]{0,32}(?<![Ii][Dd])[\"'`]?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}[\"'`]?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![\w\-])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
    Detector(id="alibaba_access_key_id", content_class="secrets", keywords=("ltai",), pattern=r"(?<![\w\-])LTAI[A-Za-z0-9]{12,20}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="alibaba_access_key_secret", content_class="secrets", keywords=("alibaba", "aliyun", "keysecret", "key_secret"), pattern=r"(?:alibaba|aliyun|access_?key_?secret)[\w.\-]{0,32}(?<![Ii][Dd])[\"'`]?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}[\"'`]?([A-Za-z0-9]{30})(?![\w\-])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
    Detector(id="cloudflare_api_token", content_class="secrets", keywords=("cloudflare", "cf_api_token"), pattern=r"(?:cloudflare|cf_api_token)[\w.\-]{0,32}(?<![Ii][Dd])[\"'`]?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}[\"'`]?([\w\-]{40})(?![\w\-])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
    Detector(id="cloudflare_global_api_key", content_class="secrets", keywords=("cloudflare", "cf_api_key"), pattern=r"(?:cloudflare|cf_api_key)[\w.\-]{0,32}(?<![Ii][Dd])[\"'`]?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}[\"'`]?([a-f0-9]{37})(?![\w\-])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
    Detector(id="cloudflare_origin_ca_key", content_class="secrets", keywords=("v1.0-",), pattern=r"(?<![\w\-])v1\.0-[a-f0-9]{24}-[a-f0-9]{146}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="github_token", content_class="secrets", keywords=("ghp_",), pattern=r"(?<![\w\-])ghp_[A-Za-z0-9]{36}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="github_oauth_token", content_class="secrets", keywords=("gho_",), pattern=r"(?<![\w\-])gho_[A-Za-z0-9]{36}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="github_user_token", content_class="secrets", keywords=("ghu_",), pattern=r"(?<![\w\-])ghu_[A-Za-z0-9]{36}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="github_app_token", content_class="secrets", keywords=("ghs_",), pattern=r"(?<![\w\-])ghs_[A-Za-z0-9]{36}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="github_refresh_token", content_class="secrets", keywords=("ghr_",), pattern=r"(?<![\w\-])ghr_[A-Za-z0-9]{36}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="github_fine_grained_token", content_class="secrets", keywords=("github_pat_",), pattern=r"(?<![\w\-])github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="gitlab_pat", content_class="secrets", keywords=("glpat-",), pattern=r"(?<![\w\-])glpat-(?:[\w\-]{27,300}\.[0-9a-z]{9}|[\w\-]{20})(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="gitlab_deploy_token", content_class="secrets", keywords=("gldt-",), pattern=r"(?<![\w\-])gldt-[\w\-]{20}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="gitlab_runner_token", content_class="secrets", keywords=("glrt-",), pattern=r"(?<![\w\-])glrt-(?:t\d_[\w\-]{27,300}\.[0-9a-z]{9}|[\w\-]{20})(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="gitlab_runner_registration_token", content_class="secrets", keywords=("gr1348941",), pattern=r"(?<![\w\-])GR1348941[\w\-]{20}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="gitlab_pipeline_trigger_token", content_class="secrets", keywords=("glptt-",), pattern=r"(?<![\w\-])glptt-[a-f0-9]{40}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="gitlab_ci_job_token", content_class="secrets", keywords=("glcbt-",), pattern=r"(?<![\w\-])glcbt-[A-Za-z0-9]{1,5}_[\w\-]{20}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="gitlab_oauth_app_secret", content_class="secrets", keywords=("gloas-",), pattern=r"(?<![\w\-])gloas-[\w\-]{64}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="gitlab_feed_token", content_class="secrets", keywords=("glft-",), pattern=r"(?<![\w\-])glft-[\w\-]{20}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="gitlab_incoming_mail_token", content_class="secrets", keywords=("glimt-",), pattern=r"(?<![\w\-])glimt-[\w\-]{25}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="gitlab_agent_token", content_class="secrets", keywords=("glagent-",), pattern=r"(?<![\w\-])glagent-[\w\-]{50}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="gitlab_scim_token", content_class="secrets", keywords=("glsoat-",), pattern=r"(?<![\w\-])glsoat-[\w\-]{20}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="gitlab_feature_flags_token", content_class="secrets", keywords=("glffct-",), pattern=r"(?<![\w\-])glffct-[\w\-]{20}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="atlassian_api_token", content_class="secrets", keywords=("atatt3",), pattern=r"(?<![\w\-])ATATT3[\w=\-]{186}(?![\w=\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="bitbucket_app_password", content_class="secrets", keywords=("atbb",), pattern=r"(?<![\w\-])ATBB[\w=.\-]{28,36}(?![\w=.\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="npm_token", content_class="secrets", keywords=("npm_",), pattern=r"(?<![\w\-])npm_[A-Za-z0-9]{36}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="pypi_token", content_class="secrets", keywords=("pypi-ag",), pattern=r"(?<![\w\-])pypi-Ag(?:EIcHlwaS5vcmc|ENdGVzdC5weXBpLm9yZw)[\w\-]{50,}", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="rubygems_api_key", content_class="secrets", keywords=("rubygems_",), pattern=r"(?<![\w\-])rubygems_[a-f0-9]{48}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="docker_hub_pat", content_class="secrets", keywords=("dckr_pat_",), pattern=r"(?<![\w\-])dckr_pat_[\w\-]{27}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="jfrog_api_key", content_class="secrets", keywords=("akcp",), pattern=r"(?<![\w\-])AKCp[A-Za-z0-9]{69}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="jfrog_reference_token", content_class="secrets", keywords=("cmvmd",), pattern=r"(?<![\w\-])cmVmd[A-Za-z0-9]{59}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="sourcegraph_access_token", content_class="secrets", keywords=("sgp_",), pattern=r"(?<![\w\-])sgp_(?:[a-fA-F0-9]{16}_[a-fA-F0-9]{40}|local_[a-fA-F0-9]{40}|[a-fA-F0-9]{40})(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="clojars_token", content_class="secrets", keywords=("clojars_",), pattern=r"(?<![\w\-])CLOJARS_[a-z0-9]{60}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="aws_bedrock_api_key", content_class="secrets", keywords=("absk",), pattern=r"(?<![\w+/=\-])ABSK[A-Za-z0-9+/]{109,269}={0,2}(?![\w+/=\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="adobe_client_secret", content_class="secrets", keywords=("p8e-",), pattern=r"(?<![\w\-])p8e-[A-Za-z0-9]{32}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="clickhouse_cloud_secret", content_class="secrets", keywords=("4b1d",), pattern=r"(?<![\w\-])4b1d[A-Za-z0-9]{38}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="settlemint_token", content_class="secrets", keywords=("sm_pat_", "sm_aat_", "sm_sat_"), pattern=r"(?<![\w\-])sm_(?:pat|aat|sat)_[A-Za-z0-9]{16}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="intra42_client_secret", content_class="secrets", keywords=("s-s4t2",), pattern=r"(?<![\w\-])s-s4t2(?:ud|af)-[a-f0-9]{64}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="stripe_secret_key", content_class="secrets", keywords=("sk_live_", "sk_test_"), pattern=r"(?<![\w\-])sk_(?:live|test)_[A-Za-z0-9]{24,247}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="stripe_restricted_key", content_class="secrets", keywords=("rk_live_", "rk_test_"), pattern=r"(?<![\w\-])rk_(?:live|test)_[A-Za-z0-9]{24,247}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="stripe_publishable_key", content_class="secrets", keywords=("pk_live_", "pk_test_"), pattern=r"(?<![\w\-])pk_(?:live|test)_[A-Za-z0-9]{24,247}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="stripe_webhook_secret", content_class="secrets", keywords=("whsec_",), pattern=r"(?<![\w\-])whsec_[A-Za-z0-9+/=]{32,}", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="square_access_token", content_class="secrets", keywords=("eaaa", "sq0atp-"), pattern=r"(?<![\w\-])(?:EAAA[\w\-]{60}|sq0atp-[\w\-]{22})(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="square_oauth_secret", content_class="secrets", keywords=("sq0csp-",), pattern=r"(?<![\w\-])sq0csp-[\w\-]{43}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="braintree_access_token", content_class="secrets", keywords=("access_token$",), pattern=r"(?<![\w\-])access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="shopify_access_token", content_class="secrets", keywords=("shpat_",), pattern=r"(?<![\w\-])shpat_[a-fA-F0-9]{32}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="shopify_shared_secret", content_class="secrets", keywords=("shpss_",), pattern=r"(?<![\w\-])shpss_[a-fA-F0-9]{32}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="shopify_custom_app_token", content_class="secrets", keywords=("shpca_",), pattern=r"(?<![\w\-])shpca_[a-fA-F0-9]{32}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="shopify_private_app_token", content_class="secrets", keywords=("shppa_",), pattern=r"(?<![\w\-])shppa_[a-fA-F0-9]{32}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="plaid_access_token", content_class="secrets", keywords=("access-sandbox-", "access-development-", "access-production-"), pattern=r"(?<![\w\-])access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="flutterwave_secret_key", content_class="secrets", keywords=("flwseck",), pattern=r"(?<![\w\-])FLWSECK(?:_TEST)?-[a-hA-H0-9]{32}-X(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="shippo_api_token", content_class="secrets", keywords=("shippo_",), pattern=r"(?<![\w\-])shippo_(?:live|test)_[a-f0-9]{40}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="easypost_api_key", content_class="secrets", keywords=("ezak", "eztk"), pattern=r"(?<![\w\-])EZ[AT]K[A-Za-z0-9]{54}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="duffel_api_token", content_class="secrets", keywords=("duffel_",), pattern=r"(?<![\w\-])duffel_(?:live|test)_[\w=\-]{43}(?![\w=\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="slack_bot_token", content_class="secrets", keywords=("xoxb-",), pattern=r"(?<![\w\-])xoxb-\d{10,13}-\d{10,13}-[A-Za-z0-9]{24}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="slack_user_token", content_class="secrets", keywords=("xoxp-", "xoxe-"), pattern=r"(?<![\w\-])xox[pe]-\d{10,13}-\d{10,13}-\d{10,13}-[A-Za-z0-9]{28,34}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="slack_app_token", content_class="secrets", keywords=("xapp-",), pattern=r"(?<![\w\-])xapp-\d-[A-Z0-9]{9,12}-\d{10,14}-[a-f0-9]{64}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="slack_config_access_token", content_class="secrets", keywords=("xoxe.xox",), pattern=r"(?<![\w\-])xoxe\.xox[bp]-\d-[A-Z0-9]{163,166}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="slack_config_refresh_token", content_class="secrets", keywords=("xoxe-",), pattern=r"(?<![\w\-])xoxe-\d-[A-Z0-9]{146}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="slack_legacy_workspace_token", content_class="secrets", keywords=("xoxa-", "xoxr-"), pattern=r"(?<![\w\-])xox[ar]-(?:\d-)?[A-Za-z0-9]{8,48}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="slack_legacy_bot_token", content_class="secrets", keywords=("xoxb-",), pattern=r"(?<![\w\-])xoxb-\d{8,14}-[A-Za-z0-9]{18,26}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="slack_legacy_token", content_class="secrets", keywords=("xoxo-", "xoxs-"), pattern=r"(?<![\w\-])xox[os]-\d{1,20}-\d{1,20}-\d{1,20}-[a-fA-F0-9]{8,64}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="slack_webhook_url", content_class="secrets", keywords=("hooks.slack.com",), pattern=r"https?://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}(?![A-Za-z0-9+/])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="discord_bot_token", content_class="secrets", keywords=("discord",), pattern=r"(?:discord)[\w.\-]{0,32}(?<![Ii][Dd])[\"'`]?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}[\"'`]?([MNO][\w\-]{23,25}\.[\w\-]{6}\.[\w\-]{27,38})(?![\w\-])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
    Detector(id="discord_webhook_url", content_class="secrets", keywords=("discord",), pattern=r"https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api/webhooks/\d{17,20}/[\w\-]{60,72}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="telegram_bot_token", content_class="secrets", keywords=(":aa",), pattern=r"(?<!\d)\d{8,10}:AA[\w\-]{33}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="microsoft_teams_webhook", content_class="secrets", keywords=("webhook.office.com",), pattern=r"https://[a-z0-9\-]{1,63}\.webhook\.office\.com/webhookb2/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}@[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/IncomingWebhook/[a-f0-9]{32}/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="twilio_api_key", content_class="secrets", keywords=("sk",), pattern=r"(?<![\w\-])SK[0-9a-f]{32}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="sendgrid_api_key", content_class="secrets", keywords=("sg.",), pattern=r"(?<![\w\-])SG\.[\w\-]{22}\.[\w\-]{43}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="mailgun_api_key", content_class="secrets", keywords=("key-",), pattern=r"(?<![\w\-])key-[0-9a-f]{32}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="mailchimp_api_key", content_class="secrets", keywords=("-us",), pattern=r"(?<![\w\-])[0-9a-f]{32}-us\d{1,2}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="brevo_api_key", content_class="secrets", keywords=("xkeysib-",), pattern=r"(?<![\w\-])xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="openai_project_key", content_class="secrets", keywords=("sk-proj-",), pattern=r"(?<![\w\-])sk-proj-[\w\-]{40,300}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="openai_service_account_key", content_class="secrets", keywords=("sk-svcacct-",), pattern=r"(?<![\w\-])sk-svcacct-[\w\-]{40,300}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="openai_admin_key", content_class="secrets", keywords=("sk-admin-",), pattern=r"(?<![\w\-])sk-admin-[\w\-]{40,300}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="openai_api_key", content_class="secrets", keywords=("t3blbkfj",), pattern=r"(?<![\w\-])sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="anthropic_api_key", content_class="secrets", keywords=("sk-ant-api03-",), pattern=r"(?<![\w\-])sk-ant-api03-[\w\-]{93}AA(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="anthropic_admin_key", content_class="secrets", keywords=("sk-ant-admin01-",), pattern=r"(?<![\w\-])sk-ant-admin01-[\w\-]{93}AA(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="huggingface_token", content_class="secrets", keywords=("hf_",), pattern=r"(?<![\w\-])hf_[A-Za-z]{34}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="huggingface_org_token", content_class="secrets", keywords=("api_org_",), pattern=r"(?<![\w\-])api_org_[A-Za-z]{34}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="groq_api_key", content_class="secrets", keywords=("gsk_",), pattern=r"(?<![\w\-])gsk_[A-Za-z0-9]{52}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="replicate_api_token", content_class="secrets", keywords=("r8_",), pattern=r"(?<![\w\-])r8_[A-Za-z0-9]{37}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="cohere_api_key", content_class="secrets", keywords=("cohere", "co_api_key"), pattern=r"(?:cohere|co_api_key)[\w.\-]{0,32}(?<![Ii][Dd])[\"'`]?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}[\"'`]?([A-Za-z0-9]{40})(?![\w\-])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
    Detector(id="mistral_api_key", content_class="secrets", keywords=("mistral",), pattern=r"(?:mistral)[\w.\-]{0,32}(?<![Ii][Dd])[\"'`]?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}[\"'`]?([A-Za-z0-9]{32})(?![\w\-])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
    Detector(id="perplexity_api_key", content_class="secrets", keywords=("pplx-",), pattern=r"(?<![\w\-])pplx-[A-Za-z0-9]{48}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="xai_api_key", content_class="secrets", keywords=("xai-",), pattern=r"(?<![\w\-])xai-[A-Za-z0-9]{80}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="langsmith_api_key", content_class="secrets", keywords=("lsv2_",), pattern=r"(?<![\w\-])lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="openrouter_api_key", content_class="secrets", keywords=("sk-or-v1-",), pattern=r"(?<![\w\-])sk-or-v1-[a-f0-9]{64}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="linear_api_key", content_class="secrets", keywords=("lin_api_",), pattern=r"(?<![\w\-])lin_api_[A-Za-z0-9]{40}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="notion_token", content_class="secrets", keywords=("ntn_", "secret_"), pattern=r"(?<![\w\-])(?:ntn_\d{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="vercel_token", content_class="secrets", keywords=("vercel",), pattern=r"(?:vercel)[\w.\-]{0,32}(?<![Ii][Dd])[\"'`]?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}[\"'`]?([A-Za-z0-9]{24})(?![\w\-])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
    Detector(id="netlify_token", content_class="secrets", keywords=("netlify",), pattern=r"(?:netlify)[\w.\-]{0,32}(?<![Ii][Dd])[\"'`]?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}[\"'`]?([\w\-]{40,46})(?![\w\-])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
    Detector(id="postman_api_key", content_class="secrets", keywords=("pmak-",), pattern=r"(?<![\w\-])PMAK-[a-f0-9]{24}-[a-f0-9]{34}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="databricks_token", content_class="secrets", keywords=("dapi",), pattern=r"(?<![\w\-])dapi[a-f0-9]{32}(?:-\d)?(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="doppler_token", content_class="secrets", keywords=("dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."), pattern=r"(?<![\w\-])dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="vault_service_token", content_class="secrets", keywords=("hvs.",), pattern=r"(?<![\w\-])hvs\.[\w\-]{90,120}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="vault_batch_token", content_class="secrets", keywords=("hvb.",), pattern=r"(?<![\w\-])hvb\.[\w\-]{138,300}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="terraform_cloud_token", content_class="secrets", keywords=(".atlasv1.",), pattern=r"(?<![\w\-])[A-Za-z0-9]{14}\.atlasv1\.[\w=\-]{60,70}(?![\w=\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="sentry_org_token", content_class="secrets", keywords=("sntrys_",), pattern=r"(?<![\w\-])sntrys_eyJ[A-Za-z0-9+/=]{20,400}_[A-Za-z0-9+/]{43}(?![\w+/=\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="sentry_user_token", content_class="secrets", keywords=("sntryu_",), pattern=r"(?<![\w\-])sntryu_[a-f0-9]{64}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="new_relic_user_api_key", content_class="secrets", keywords=("nrak-",), pattern=r"(?<![\w\-])NRAK-[A-Z0-9]{27}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="new_relic_insert_key", content_class="secrets", keywords=("nrii-",), pattern=r"(?<![\w\-])NRII-[\w\-]{32}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="new_relic_browser_key", content_class="secrets", keywords=("nrjs-",), pattern=r"(?<![\w\-])NRJS-[a-f0-9]{19}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="grafana_cloud_token", content_class="secrets", keywords=("glc_",), pattern=r"(?<![\w\-])glc_[A-Za-z0-9+/]{32,}", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="grafana_api_key", content_class="secrets", keywords=("eyjrijoi",), pattern=r"(?<![\w+/=\-])eyJrIjoi[A-Za-z0-9+/]{70,400}={0,3}(?![\w+/=\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="grafana_service_account_token", content_class="secrets", keywords=("glsa_",), pattern=r"(?<![\w\-])glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="datadog_api_key", content_class="secrets", keywords=("datadog", "dd_api", "dd_app"), pattern=r"(?:datadog|dd_api|dd_app)[\w.\-]{0,32}(?<![Ii][Dd])[\"'`]?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}[\"'`]?([a-f0-9]{40}|[a-f0-9]{32})(?![\w\-])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
    Detector(id="dynatrace_api_token", content_class="secrets", keywords=("dt0c01.",), pattern=r"(?<![\w\-])dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="okta_api_token", content_class="secrets", keywords=("okta",), pattern=r"(?:okta)[\w.\-]{0,32}(?<![Ii][Dd])[\"'`]?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}[\"'`]?(00[\w=\-]{40})(?![\w=\-])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
    Detector(id="twitch_api_token", content_class="secrets", keywords=("twitch",), pattern=r"(?:twitch)[\w.\-]{0,32}(?<![Ii][Dd])[\"'`]?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}[\"'`]?([a-z0-9]{30})(?![\w\-])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
    Detector(id="dropbox_access_token", content_class="secrets", keywords=("sl.",), pattern=r"(?<![\w\-])sl\.[\w.=\-]{130,}", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="asana_pat", content_class="secrets", keywords=("asana",), pattern=r"(?:asana)[\w.\-]{0,32}(?<![Ii][Dd])[\"'`]?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}[\"'`]?(\d/\d{10,20}:[A-Za-z0-9]{32}|0/[a-f0-9]{32})(?![\w\-])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
    Detector(id="airtable_pat", content_class="secrets", keywords=("pat",), pattern=r"(?<![\w\-])pat[A-Za-z0-9]{14}\.[a-f0-9]{64}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="figma_pat", content_class="secrets", keywords=("figd_",), pattern=r"(?<![\w\-])figd_[\w\-]{40}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="contentful_pat", content_class="secrets", keywords=("cfpat-",), pattern=r"(?<![\w\-])CFPAT-[\w\-]{43}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="algolia_api_key", content_class="secrets", keywords=("algolia",), pattern=r"(?:algolia)[\w.\-]{0,32}(?<![Ii][Dd])[\"'`]?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}[\"'`]?([a-f0-9]{32})(?![\w\-])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
    Detector(id="mapbox_secret_token", content_class="secrets", keywords=("sk.eyj",), pattern=r"(?<![\w\-])sk\.eyJ[\w\-]{20,300}\.[\w\-]{20,30}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="mapbox_public_token", content_class="secrets", keywords=("pk.eyj",), pattern=r"(?<![\w\-])pk\.eyJ[\w\-]{20,300}\.[\w\-]{20,30}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="pulumi_access_token", content_class="secrets", keywords=("pul-",), pattern=r"(?<![\w\-])pul-[a-f0-9]{40}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="flyio_token", content_class="secrets", keywords=("fo1_", "fm2_"), pattern=r"(?<![\w\-])(?:fo1_[\w\-]{43}(?![\w\-])|fm2_[A-Za-z0-9+/]{100,})", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="supabase_access_token", content_class="secrets", keywords=("sbp_",), pattern=r"(?<![\w\-])sbp_[a-f0-9]{40}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="supabase_secret_key", content_class="secrets", keywords=("sb_secret_",), pattern=r"(?<![\w\-])sb_secret_[\w\-]{20,}", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="planetscale_token", content_class="secrets", keywords=("pscale_tkn_", "pscale_oauth_"), pattern=r"(?<![\w\-])pscale_(?:tkn|oauth)_[\w.\-]{32,64}(?![\w.\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="planetscale_password", content_class="secrets", keywords=("pscale_pw_",), pattern=r"(?<![\w\-])pscale_pw_[\w.\-]{32,64}(?![\w.\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="neon_api_key", content_class="secrets", keywords=("napi_",), pattern=r"(?<![\w\-])napi_[a-z0-9]{64}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="age_secret_key", content_class="secrets", keywords=("age-secret-key-1",), pattern=r"(?<![\w\-])AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="onepassword_service_account_token", content_class="secrets", keywords=("ops_eyj",), pattern=r"(?<![\w\-])ops_eyJ[A-Za-z0-9+/]{250,}", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="onepassword_secret_key", content_class="secrets", keywords=("a3-",), pattern=r"(?<![\w\-])A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="typeform_token", content_class="secrets", keywords=("tfp_",), pattern=r"(?<![\w\-])tfp_[\w.=\-]{59}(?![\w.=\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="prefect_api_key", content_class="secrets", keywords=("pnu_",), pattern=r"(?<![\w\-])pnu_[A-Za-z0-9]{36}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="readme_api_key", content_class="secrets", keywords=("rdme_",), pattern=r"(?<![\w\-])rdme_[a-z0-9]{70}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="openshift_user_token", content_class="secrets", keywords=("sha256~",), pattern=r"(?<![\w\-])sha256~[\w\-]{43}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="octopus_deploy_api_key", content_class="secrets", keywords=("api-",), pattern=r"(?<![\w\-])API-[A-Z0-9]{26}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="infracost_api_token", content_class="secrets", keywords=("ico-",), pattern=r"(?<![\w\-])ico-[A-Za-z0-9]{32}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="harness_pat", content_class="secrets", keywords=("pat.", "sat."), pattern=r"(?<![\w\-])[ps]at\.[\w\-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="scalingo_api_token", content_class="secrets", keywords=("tk-us-",), pattern=r"(?<![\w\-])tk-us-[\w\-]{48}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="maxmind_license_key", content_class="secrets", keywords=("_mmk",), pattern=r"(?<![\w\-])[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="frameio_api_token", content_class="secrets", keywords=("fio-u-",), pattern=r"(?<![\w\-])fio-u-[\w=\-]{64}(?![\w=\-])", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="private_key", content_class="secrets", keywords=("private key",), pattern=r"-----BEGIN[ A-Z0-9_\-]{0,40}PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff:,.\\\-]{1,16384}?-----END[ A-Z0-9_\-]{0,40}PRIVATE KEY(?: BLOCK)?-----|-----BEGIN[ A-Z0-9_\-]{0,40}PRIVATE KEY(?: BLOCK)?-----", flags=re.ASCII, group=0, min_digits=0, validator=None),
    Detector(id="jwt", content_class="secrets", keywords=("eyj",), pattern=r"(?<![\w\-])eyJ[\w\-]{10,4096}\.[\w\-]{2,16384}\.[\w\-]*", flags=re.ASCII, group=0, min_digits=0, validator="isJwt"),
    Detector(id="postgres_url_password", content_class="secrets", keywords=("postgres",), pattern=r"(?<![A-Za-z0-9+.\-])(?:postgres(?:ql)?\+?[a-z0-9]{0,20})://[^\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff:/?#@\"'<>]{0,128}:([^\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff/?#@\"'<>]{1,256})@[\w.\[\-]", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator="notPlaceholder"),
    Detector(id="mysql_url_password", content_class="secrets", keywords=("mysql", "mariadb"), pattern=r"(?<![A-Za-z0-9+.\-])(?:(?:mysql|mariadb)\+?[a-z0-9]{0,20})://[^\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff:/?#@\"'<>]{0,128}:([^\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff/?#@\"'<>]{1,256})@[\w.\[\-]", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator="notPlaceholder"),
    Detector(id="mongodb_url_password", content_class="secrets", keywords=("mongodb",), pattern=r"(?<![A-Za-z0-9+.\-])(?:mongodb(?:\+srv)?)://[^\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff:/?#@\"'<>]{0,128}:([^\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff/?#@\"'<>]{1,256})@[\w.\[\-]", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator="notPlaceholder"),
    Detector(id="redis_url_password", content_class="secrets", keywords=("redis",), pattern=r"(?<![A-Za-z0-9+.\-])(?:rediss?)://[^\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff:/?#@\"'<>]{0,128}:([^\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff/?#@\"'<>]{1,256})@[\w.\[\-]", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator="notPlaceholder"),
    Detector(id="amqp_url_password", content_class="secrets", keywords=("amqp",), pattern=r"(?<![A-Za-z0-9+.\-])(?:amqps?)://[^\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff:/?#@\"'<>]{0,128}:([^\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff/?#@\"'<>]{1,256})@[\w.\[\-]", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator="notPlaceholder"),
    Detector(id="url_password", content_class="secrets", keywords=("://",), pattern=r"(?<![A-Za-z0-9+.\-])(?:[a-z][a-z0-9+.\-]{1,30})://[^\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff:/?#@\"'<>]{0,128}:([^\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff/?#@\"'<>]{1,256})@[\w.\[\-]", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator="notPlaceholder"),
    Detector(id="connection_string_password", content_class="secrets", keywords=("password", "pwd"), pattern=r"(?<![\w\-])(?:password|pwd)[ \t]{0,2}=[ \t]{0,2}([^;\&\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\"'<>]{1,256})", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator="notPlaceholder"),
    Detector(id="high_entropy_secret", content_class="secrets", keywords=("key", "secret", "token", "passw", "pwd", "credential", "auth"), pattern=r"(?:key|secret|token|passw(?:or)?d|pwd|credential|auth(?!or(?!iz)))[\w.\-]{0,32}(?<![Ii][Dd])[\"'`]?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}[\"'`]?([\w+/\-][\w+/=\-]{19,})", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator="isHighEntropyToken"),
    Detector(id="email", content_class="personalData", keywords=("@",), pattern=r"(?:(?<=mailto:)|(?<![\w.%+:/\-]))[\w.%+\-]{1,64}@[A-Za-z0-9.\-]{1,253}\.[A-Za-z]{2,63}(?![\w\-])", flags=re.ASCII, group=0, min_digits=0, validator="emailValid"),
    Detector(id="phone_number", content_class="personalData", keywords=(), pattern=r"(?<![\w+.()/\-])(?:\+[1-9]\d{0,2}[ .\-]?\(?\d{1,4}\)?[ .\-]?\d{1,4}[ .\-]?\d{1,4}[ .\-]?\d{1,4}[ .\-]?\d{1,4}|\(?[2-9]\d{2}\)?[ .\-]?[2-9]\d{2}[ .\-]\d{4}|0[1-9]\d{0,3}[ .\-]?\d{1,4}[ .\-]?\d{1,4}[ .\-]?\d{1,4}[ .\-]?\d{1,4})(?![\d)])", flags=re.ASCII, group=0, min_digits=8, validator="phoneValid"),
    Detector(id="card_number", content_class="personalData", keywords=(), pattern=r"(?<![\d\-])(?:\d{4}[ \-]\d{4}[ \-]\d{4}[ \-]\d{4}[ \-]\d{1,3}|\d{4}[ \-]\d{4}[ \-]\d{4}[ \-]\d{1,4}|\d{4}[ \-]\d{6}[ \-]\d{4,5}|\d{13,19})(?![\d])", flags=re.ASCII, group=0, min_digits=13, validator="cardValid"),
    Detector(id="iban", content_class="personalData", keywords=(), pattern=r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{1}| ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4}| ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{3}| ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{2}| ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{1}| ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4}| ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{3}| ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{2}| ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{1}| ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4}| ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{3}| ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{2}| ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{1}| ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4}| ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{3}| ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{2}| ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{4}| ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{3})(?![A-Za-z0-9])", flags=re.ASCII, group=0, min_digits=7, validator="ibanValid"),
    Detector(id="us_ssn", content_class="personalData", keywords=(), pattern=r"(?<![\d\-])(?:\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4})(?![\d\-])", flags=re.ASCII, group=0, min_digits=9, validator="ssnValid"),
    Detector(id="uk_nino", content_class="personalData", keywords=(), pattern=r"(?<![A-Za-z0-9])[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])", flags=re.ASCII, group=0, min_digits=6, validator="ninoIssued"),
    Detector(id="ca_sin", content_class="personalData", keywords=(), pattern=r"(?<![\d\-])\d{3}[ \-]\d{3}[ \-]\d{3}(?![\d\-])", flags=re.ASCII, group=0, min_digits=9, validator="sinValid"),
    Detector(id="fr_nir", content_class="personalData", keywords=(), pattern=r"(?<![A-Za-z0-9])[1-478] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}(?![A-Za-z0-9])", flags=re.ASCII, group=0, min_digits=8, validator="nirValid"),
    Detector(id="de_tax_id", content_class="personalData", keywords=(), pattern=r"(?<![\d\-])(?:[1-9]\d{10}|[1-9]\d \d{3} \d{3} \d{3})(?![\d\-])", flags=re.ASCII, group=0, min_digits=11, validator="steuerIdValid"),
    Detector(id="es_dni", content_class="personalData", keywords=(), pattern=r"(?<![A-Za-z0-9])\d{8}-?[A-Z](?![A-Za-z0-9])", flags=re.ASCII, group=0, min_digits=8, validator="dniValid"),
    Detector(id="es_nie", content_class="personalData", keywords=(), pattern=r"(?<![A-Za-z0-9])[XYZ]-?\d{7}-?[A-Z](?![A-Za-z0-9])", flags=re.ASCII, group=0, min_digits=7, validator="nieValid"),
    Detector(id="it_codice_fiscale", content_class="personalData", keywords=(), pattern=r"(?<![A-Za-z0-9])[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z](?![A-Za-z0-9])", flags=re.ASCII, group=0, min_digits=2, validator="codiceFiscaleValid"),
    Detector(id="nl_bsn", content_class="personalData", keywords=("bsn", "burgerservicenummer", "sofinummer"), pattern=r"(?:bsn|burgerservicenummer|sofinummer)[\w .:#=\-]{0,24}?(?<!\d)(\d{9}|\d{4}\.\d{2}\.\d{3})(?![\d.])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator="bsnValid"),
    Detector(id="in_aadhaar", content_class="personalData", keywords=(), pattern=r"(?<![\d\-])[2-9]\d{3}[ \-]\d{4}[ \-]\d{4}(?![\d\-])", flags=re.ASCII, group=0, min_digits=12, validator="aadhaarValid"),
    Detector(id="in_pan", content_class="personalData", keywords=(), pattern=r"(?<![A-Za-z0-9])[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z](?![A-Za-z0-9])", flags=re.ASCII, group=0, min_digits=4, validator=None),
    Detector(id="br_cpf", content_class="personalData", keywords=(), pattern=r"(?<![\d.\-])\d{3}\.\d{3}\.\d{3}-\d{2}(?![\d\-])", flags=re.ASCII, group=0, min_digits=11, validator="cpfValid"),
    Detector(id="us_medical_record_number", content_class="personalData", keywords=("mrn", "medical"), pattern=r"(?<![A-Za-z])(?:mrn|medical[ _\-]?record(?:[ _\-](?:number|num|no|id)|number|num|no|id)?)(?![a-z])[ .:#=\"'\-]{0,8}(?<![A-Za-z0-9])([A-Za-z]{0,3}-?\d{5,12})(?![A-Za-z0-9])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
    Detector(id="us_npi", content_class="personalData", keywords=("npi", "national provider"), pattern=r"(?<![A-Za-z])(?:npi|national provider identifier)(?![a-z])[\w .:#=\"'\-]{0,24}?(?<!\d)([12]\d{9})(?!\d)", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator="npiValid"),
    Detector(id="us_dea_number", content_class="personalData", keywords=("dea",), pattern=r"(?<![A-Za-z])dea(?![a-z])[\w .:#=\"'\-]{0,24}?(?<![A-Za-z0-9])([A-Za-z][A-Za-z9]\d{7})(?![A-Za-z0-9])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator="deaValid"),
    Detector(id="us_mbi", content_class="personalData", keywords=("mbi", "medicare"), pattern=r"(?<![A-Za-z])(?:mbi(?![a-z])|medicare)[\w .:#=\"'\-]{0,32}?(?<![A-Za-z0-9])([1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d(?:[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d[AC-HJKMNP-RT-Y]{2}|-[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-[AC-HJKMNP-RT-Y]{2})\d{2})(?![A-Za-z0-9])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
    Detector(id="icd10_code", content_class="personalData", keywords=("diagnos", "dx", "icd"), pattern=r"(?<![A-Za-z])(?:diagnos[a-z]{0,6}|dx|icd[ \-]?10(?:[ \-]cm|cm)?)(?![a-z])[\w ,.:;#=()/\"'\-]{0,40}?(?<![A-Za-z0-9.])([A-Z]\d[0-9A-Z]\.[0-9A-Z]{1,4})(?![A-Za-z0-9])", flags=re.ASCII | re.IGNORECASE, group=1, min_digits=0, validator=None),
)

#: Every token of a value whose key names a secret (the generic rule's, high_entropy_secret, with no text hint).
KEY_HINTED_TOKEN: Final[str] = r"(?<![\w+/=\-])[\w+/\-][\w+/=\-]{19,}"
KEY_HINTED_TOKEN_FLAGS: Final[int] = re.ASCII

# What keyNamesSecret reads: a key, lowercased, kept to [a-z0-9], NOT_AUTH_WORD taken out, names a secret when it
# holds one of SECRET_HINTS, none of NOT_SECRET_KEYS, and NOT_SECRET_SUFFIX does not match it.
SECRET_HINTS: Final[tuple[str, ...]] = ("secret", "token", "password", "passwd", "pwd", "credential", "auth", "key")
NOT_SECRET_KEYS: Final[tuple[str, ...]] = ("public", "idempoten", "cache", "sort", "partition", "primary", "foreign", "dedup", "count", "limit", "max", "usage")
NOT_SECRET_SUFFIX: Final[str] = r"(?:id|ids|name|type|url|uri)\Z"
NOT_AUTH_WORD: Final[str] = r"author(?!iz)"

INSTRUCTION_RULES: Final[tuple[InstructionRule, ...]] = (
    InstructionRule(id="instruction_override", keywords=("ignore", "disregard", "forget", "override"), pattern=r"\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(?:instructions?|directions|directives|rules|guidelines|system prompt|prompts?)\b", flags=re.ASCII | re.IGNORECASE),
    InstructionRule(id="role_override", keywords=("you are now", "from now on", "pretend", "act as", "developer mode", "jailbreak"), pattern=r"\b(?:you are now|from now on,? you|pretend (?:to be|you are)|act as (?:if|though) you|(?:enter|enable|activate) (?:developer|god|dan) mode|jailbreak(?:ed)? mode)\b", flags=re.ASCII | re.IGNORECASE),
    InstructionRule(id="prompt_exfiltration", keywords=("prompt", "instructions"), pattern=r"\b(?:reveal|print|show|repeat|output|leak|disclose|tell me)\b[^.!?\n]{0,30}\b(?:system prompt|(?:your|hidden|initial|original|secret) (?:instructions|prompt))\b", flags=re.ASCII | re.IGNORECASE),
    InstructionRule(id="injected_role_tag", keywords=("system", "inst]", "im_start", "instructions"), pattern=r"<\|?im_start\|?>|\[/?INST\]|</?[\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]?(?:system|instructions?)[\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]?>|(?<![^\n\r\u2028\u2029])#{1,4} ?(?:system|new instructions)[\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]?:", flags=re.ASCII | re.IGNORECASE | re.MULTILINE),
    InstructionRule(id="exfiltration_request", keywords=("send", "post", "upload", "forward", "exfiltrate", "transmit"), pattern=r"\b(?:send|post|upload|forward|exfiltrate|transmit)\b[^.!?\n]{0,60}\b(?:to|at|into)[\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff](?:https?://|[a-z0-9._%+\-]{1,64}@)", flags=re.ASCII | re.IGNORECASE),
    InstructionRule(id="concealment_request", keywords=("tell", "inform", "mention", "reveal", "without"), pattern=r"\b(?:do not|don't|never|without)[\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff](?:tell(?:ing)?|inform(?:ing)?|mention(?:ing)? (?:it|this) to|reveal(?:ing)? (?:it|this) to|alert(?:ing)?)[\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff](?:the[\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff])?(?:user|human|operator|admin(?:istrator)?)\b", flags=re.ASCII | re.IGNORECASE),
)

#: Texts shorter than this (in UTF-16 code units) are not screened.
CONTENT_MIN_LENGTH: Final = 6
#: Object keys shorter than this are names, not values: not screened.
CONTENT_KEY_MIN_LENGTH: Final = 8
#: Findings kept per screen.
MAX_FINDINGS: Final = 100
