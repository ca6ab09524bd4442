"""What infra/template.yaml must hold for real AWS, checked (issue #18; decision 0042).

- every table that holds money or the journal: point-in-time recovery, deletion protection, and
  DeletionPolicy and UpdateReplacePolicy Retain; every other table is named here too, so a new table is
  classified in review;
- every DynamoDB stream mapping: bisect on error, a maximum record age inside the stream's 24 h, an
  on-failure SQS queue, only INSERTs, partial batch responses;
- every SQS mapping: a MaximumConcurrency, and its queue's visibility timeout at least 6 x its function's
  timeout (AWS's guidance) with the template's defaults and with the parameters the integration tests and
  chaos deploy;
- the API's and the site's URLs in the Outputs; OpenAPI 3 on every API (no stray `Stage` stage);
- the site behind CloudFront (origin access control, HTTPS only) when SiteDelivery says so, and the
  S3 website by default, as the local cloud serves it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

from bench.chaos import CHAOS_PARAMETERS
from tests.integration.conftest import TEST_PARAMETERS

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"

# Balances of record, movements and their history, card holds (money reserved), the outbox (money moved
# but not yet told to the ledger), the loan book, and the ledger's journal, chain heads and dedup records.
MONEY_TABLES = {
    "PaymentsPositionsTable",
    "PaymentsPaymentsTable",
    "PaymentsEntriesTable",
    "PaymentsHoldsTable",
    "PaymentsOutboxTable",
    "AccountsLoansTable",
    "LedgerEntriesTable",
    "LedgerAccountsTable",
    "LedgerEventsTable",
}
# Users, sessions, accounts' records, cards, tickets, audit, proposals, merchants' requests (30 days),
# fraud-rule windows: no money and no journal.
OTHER_TABLES = {
    "IdentityUsersTable",
    "IdentityRefreshTokensTable",
    "IdentityLoginAttemptsTable",
    "AccountsTable",
    "AccountsCardsTable",
    "AccountsTicketsTable",
    "AccountsAuditTable",
    "AccountsOperationsTable",
    "PaymentsRequestsTable",
    "PaymentsCountersTable",
}
STREAM_RETENTION_S = 24 * 60 * 60  # DynamoDB Streams keep a record 24 h, then drop it
SQS_DEFAULT_VISIBILITY_S = 30
LAMBDA_DEFAULT_TIMEOUT_S = 3
# (name, parameters deployed): the template's defaults (AWS, `make up`), the integration tests', chaos's.
DEPLOYMENTS = [("defaults", {}), ("integration tests", TEST_PARAMETERS), ("chaos", CHAOS_PARAMETERS)]
CLOUDFRONT = "SiteOnCloudFront"
INSERTS_ONLY = {"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]}
DISTRIBUTION_ORIGIN = {"Fn::Sub": "https://${SiteDistribution.DomainName}"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    loaded: dict[str, Any] = cfn_yaml.loads(TEMPLATE.read_text())
    return loaded


def resources_of(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == resource_type}


def events_of(template: dict[str, Any], event_type: str) -> list[tuple[str, dict[str, Any]]]:
    """(function, event properties) for every event of that type of every SAM function."""
    return [
        (function, dict(event["Properties"]))
        for function, resource in resources_of(template, "AWS::Serverless::Function").items()
        for event in (resource["Properties"].get("Events") or {}).values()
        if event["Type"] == event_type
    ]


def referenced_id(value: Any) -> str:
    """The logical id of `!GetAtt X.Arn` (or `!Ref X`)."""
    if isinstance(value, dict) and len(value) == 1:
        ((intrinsic, argument),) = value.items()
        if intrinsic == "Fn::GetAtt":
            return str(argument[0] if isinstance(argument, list) else str(argument).split(".")[0])
        if intrinsic == "Ref":
            return str(argument)
    raise AssertionError(f"{value!r} is not a reference to a resource")


def number(template: dict[str, Any], value: Any, parameters: dict[str, str]) -> int:
    """A literal or a `!Ref` to a parameter, with the deployment's value or else its default."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        name = str(value["Ref"])
        return int(parameters.get(name, template["Parameters"][name]["Default"]))
    return int(value)


# ---------------------------------------------------------------- tables


def test_every_table_is_classified_as_money_or_not(template: dict[str, Any]) -> None:
    tables = set(resources_of(template, "AWS::DynamoDB::Table"))
    assert not MONEY_TABLES & OTHER_TABLES, "a table in both lists"
    assert tables - MONEY_TABLES - OTHER_TABLES == set(), "new tables: list each in one of the two"
    assert (MONEY_TABLES | OTHER_TABLES) - tables == set(), "listed tables no longer in the template"


@pytest.mark.parametrize("table", sorted(MONEY_TABLES))
def test_money_tables_have_recovery_deletion_protection_and_retain(
    template: dict[str, Any], table: str
) -> None:
    resource = template["Resources"][table]
    properties = resource["Properties"]
    assert properties.get("PointInTimeRecoverySpecification") == {"PointInTimeRecoveryEnabled": True}
    assert properties.get("DeletionProtectionEnabled") is True
    assert resource.get("DeletionPolicy") == "Retain"
    assert resource.get("UpdateReplacePolicy") == "Retain"


# ---------------------------------------------------------------- event source mappings


def test_there_are_mappings_to_check(template: dict[str, Any]) -> None:
    # The rules below hold for every mapping; this keeps them from holding vacuously.
    assert [f for f, _ in events_of(template, "DynamoDB")] == ["OutboxPublisherFunction"]
    assert [f for f, _ in events_of(template, "SQS")] == ["LedgerConsumerFunction"]


def test_stream_mappings_quarantine_a_poison_record_instead_of_retrying_until_it_is_dropped(
    template: dict[str, Any],
) -> None:
    queues = resources_of(template, "AWS::SQS::Queue")
    for function, event in events_of(template, "DynamoDB"):
        assert event.get("BisectBatchOnFunctionError") is True, function
        # Bounded well before the stream drops the record, so it always reaches the on-failure queue.
        age = event.get("MaximumRecordAgeInSeconds")
        assert isinstance(age, int) and 60 <= age < STREAM_RETENTION_S, function
        on_failure = event["DestinationConfig"]["OnFailure"]
        # Type SQS: SAM grants the function's role sqs:SendMessage on exactly that queue.
        assert on_failure["Type"] == "SQS", function
        assert referenced_id(on_failure["Destination"]) in queues, function
        assert event.get("FilterCriteria") == INSERTS_ONLY, function
        assert event.get("FunctionResponseTypes") == ["ReportBatchItemFailures"], function


def test_sqs_mappings_cap_their_concurrency(template: dict[str, Any]) -> None:
    for function, event in events_of(template, "SQS"):
        maximum = (event.get("ScalingConfig") or {}).get("MaximumConcurrency")
        assert isinstance(maximum, int) and 2 <= maximum <= 1000, function  # AWS's bounds


@pytest.mark.parametrize(("deployment", "parameters"), DEPLOYMENTS, ids=[name for name, _ in DEPLOYMENTS])
def test_every_queue_hides_a_message_for_six_times_its_consumers_timeout(
    template: dict[str, Any], deployment: str, parameters: dict[str, str]
) -> None:
    assert set(parameters) <= set(template["Parameters"]), f"{deployment} sets parameters the template lacks"
    global_timeout = template["Globals"]["Function"].get("Timeout", LAMBDA_DEFAULT_TIMEOUT_S)
    for function, event in events_of(template, "SQS"):
        queue = template["Resources"][referenced_id(event["Queue"])]["Properties"]
        visibility = number(template, queue.get("VisibilityTimeout", SQS_DEFAULT_VISIBILITY_S), parameters)
        function_properties = template["Resources"][function]["Properties"]
        timeout = number(template, function_properties.get("Timeout", global_timeout), parameters)
        assert visibility >= 6 * timeout, f"{deployment}: {function} times out after {timeout} s"


# ---------------------------------------------------------------- API and outputs


def test_outputs_give_the_api_and_site_urls(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    api_url = outputs["ApiUrl"]["Value"]["Fn::Sub"]
    assert api_url == "https://${BankApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${StageName}"
    assert outputs["SiteUrl"]["Value"] == {
        "Fn::If": [
            CLOUDFRONT,
            DISTRIBUTION_ORIGIN,
            {"Fn::GetAtt": ["SiteBucket", "WebsiteURL"]},
        ]
    }


def test_every_api_is_openapi_3_so_sam_makes_no_stray_stage(template: dict[str, Any]) -> None:
    apis = resources_of(template, "AWS::Serverless::Api")
    assert apis
    for name, api in apis.items():
        assert str(api["Properties"].get("OpenApiVersion", "")).startswith("3."), name


# ---------------------------------------------------------------- the site


def test_site_delivery_defaults_to_the_s3_website_and_may_choose_cloudfront(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["SiteDelivery"]
    assert parameter["Default"] == "s3-website"
    assert set(parameter["AllowedValues"]) == {"s3-website", "cloudfront"}
    assert template["Conditions"][CLOUDFRONT] == {"Fn::Equals": [{"Ref": "SiteDelivery"}, "cloudfront"]}
    for name in ("SiteDistribution", "SiteOriginAccessControl"):
        assert template["Resources"][name].get("Condition") == CLOUDFRONT, name


def test_cloudfront_reads_a_private_bucket_through_origin_access_control_over_https(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    config = resources["SiteDistribution"]["Properties"]["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]}
    assert referenced_id(origin["OriginAccessControlId"]) == "SiteOriginAccessControl"
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # OAC, not the legacy identity
    access = resources["SiteOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (access["OriginAccessControlOriginType"], access["SigningBehavior"]) == ("s3", "always")
    for behavior in [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]:
        assert behavior["ViewerProtocolPolicy"] in {"redirect-to-https", "https-only"}
    bucket = resources["SiteBucket"]["Properties"]
    # On CloudFront: no website, every public access blocked; else today's public S3 website.
    assert bucket["WebsiteConfiguration"]["Fn::If"][:2] == [CLOUDFRONT, {"Ref": "AWS::NoValue"}]
    blocks = bucket["PublicAccessBlockConfiguration"]
    for setting in ("BlockPublicPolicy", "RestrictPublicBuckets"):
        assert blocks[setting] == {"Fn::If": [CLOUDFRONT, True, False]}, setting
    assert blocks["BlockPublicAcls"] is True and blocks["IgnorePublicAcls"] is True
    (statement,) = resources["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    condition, on_cloudfront, on_website = statement["Fn::If"]
    assert condition == CLOUDFRONT
    assert on_cloudfront["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    source = on_cloudfront["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(":distribution/${SiteDistribution}")  # this distribution only
    assert on_website["Principal"] == "*"


def test_on_cloudfront_the_api_allows_the_distributions_origin(template: dict[str, Any]) -> None:
    # Its domain is known only once the stack exists, so the deploy could not pass it as AllowedOrigin.
    origin = template["Globals"]["Function"]["Environment"]["Variables"]["ALLOWED_ORIGIN"]
    assert origin == {"Fn::If": [CLOUDFRONT, DISTRIBUTION_ORIGIN, {"Ref": "AllowedOrigin"}]}
    api = template["Resources"]["BankApi"]["Properties"]
    headers = [api["Cors"]["AllowOrigin"]] + [
        response["ResponseParameters"]["Headers"]["Access-Control-Allow-Origin"]
        for response in api["GatewayResponses"].values()
    ]
    for header in headers:
        assert header == {
            "Fn::If": [
                CLOUDFRONT,
                {"Fn::Sub": "'https://${SiteDistribution.DomainName}'"},
                {"Fn::Sub": "'${AllowedOrigin}'"},
            ]
        }
