"""Least privilege, checked: every function's IAM grants in infra/template.yaml equal the allow-list below.

Grants are read from each `AWS::Serverless::Function`'s `Policies`, which may hold only inline
`Statement` lists (a SAM policy template such as DynamoDBCrudPolicy grants more than the code uses and
fails here). Each resource is reduced to the logical id it refers to (`!GetAtt X.Arn` and `!Ref X` → X,
`!Sub "${X.Arn}/index/*"` → X/index, a secret's ARN → `secret:<name pattern>`), so a grant is a pair
(action, resource). A grant missing from the allow-list fails, naming the function and the grant: widening
a function's rights means changing this file, in review (docs/decisions/0009-abuse-resistance.md).

A statement may carry a `Condition`, which only narrows what it allows: its grants count as granted all
the same, and every condition must equal the one on the conditions' allow-list (CONDITIONS) for that
function and grant, so neither loosening nor dropping one goes unseen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

from tools.secrets_bootstrap import SECRETS

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"
SECRET_ARN = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${SecretPrefix}/"
INDEXES = re.compile(r"\$\{(?P<id>[A-Za-z0-9]+)\.Arn\}/index/\*")
STATEMENT_KEYS = {"Sid", "Effect", "Action", "Resource", "Condition"}

Grant = tuple[str, str]
Condition = dict[str, dict[str, Any]]  # operator → {condition key: value(s)}


def grant(actions: Iterable[str], resources: Iterable[str]) -> set[Grant]:
    return {(action, resource) for action in actions for resource in resources}


GET, PUT, UPDATE, DELETE = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
)
QUERY, SCAN, BATCH_GET = "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem"
CHECK = "dynamodb:ConditionCheckItem"
READ_SECRET, INVOKE, PUBLISH = "secretsmanager:GetSecretValue", "lambda:InvokeFunction", "sns:Publish"

# function → every (action, resource) it may be granted. Exactly today's template.
ALLOWED: dict[str, set[Grant]] = {
    "AuthorizerFunction": {
        *grant([READ_SECRET], ["secret:identity/signing-keys-public-*"]),
        *grant([BATCH_GET], ["IdentityUsersTable", "IdentityRefreshTokensTable"]),
    },
    "IdentityFunction": {
        *grant([READ_SECRET], ["secret:identity/signing-keys-*"]),
        *grant([PUBLISH], ["BankEventsTopic"]),
        *grant([GET, PUT, UPDATE, DELETE, QUERY], ["IdentityUsersTable", "IdentityUsersTable/index"]),
        *grant([GET, PUT, UPDATE, CHECK], ["IdentityRefreshTokensTable"]),
        *grant([GET, PUT, UPDATE], ["IdentityLoginAttemptsTable"]),
    },
    "IdentityBootstrapFunction": {
        *grant([READ_SECRET], ["secret:identity/first-admin-*"]),
        *grant([PUBLISH], ["BankEventsTopic"]),
        *grant([GET, PUT], ["IdentityUsersTable"]),
    },
    "AccountsFunction": {
        *grant([GET, PUT, UPDATE, QUERY, SCAN], ["AccountsTable", "AccountsTable/index"]),
        *grant([GET, PUT, UPDATE, QUERY], ["AccountsCardsTable", "AccountsCardsTable/index"]),
        *grant([GET, PUT, UPDATE, DELETE, QUERY], ["AccountsLoansTable", "AccountsLoansTable/index"]),
        *grant([GET, PUT, UPDATE, QUERY, SCAN], ["AccountsTicketsTable", "AccountsTicketsTable/index"]),
        *grant([PUT, QUERY], ["AccountsAuditTable"]),
        *grant([GET, PUT, UPDATE, QUERY], ["AccountsOperationsTable", "AccountsOperationsTable/index"]),
        *grant([INVOKE], ["PaymentsInternalFunction"]),
        *grant([READ_SECRET], ["secret:accounts/*"]),
    },
    "AccountsInternalFunction": {
        *grant([GET, UPDATE], ["AccountsCardsTable"]),
        *grant([READ_SECRET], ["secret:accounts/*"]),
    },
    "AccountsInterestFunction": {
        *grant([SCAN, UPDATE], ["AccountsTable"]),
        *grant([GET, PUT], ["AccountsOperationsTable"]),
        *grant([INVOKE], ["PaymentsInternalFunction"]),
    },
    "PaymentsFunction": {
        *grant([GET, BATCH_GET, UPDATE, CHECK], ["PaymentsPositionsTable"]),
        *grant([GET, PUT, QUERY], ["PaymentsPaymentsTable", "PaymentsPaymentsTable/index"]),
        *grant([PUT, QUERY], ["PaymentsEntriesTable"]),
        *grant([GET, PUT, UPDATE], ["PaymentsHoldsTable", "PaymentsRequestsTable"]),
        *grant([UPDATE], ["PaymentsCountersTable"]),
        *grant([PUT], ["PaymentsOutboxTable"]),
        *grant([INVOKE], ["AccountsInternalFunction"]),
        *grant([READ_SECRET], ["secret:payments/pin-key-*"]),
    },
    "PaymentsInternalFunction": {
        *grant([GET, BATCH_GET, PUT, UPDATE, CHECK], ["PaymentsPositionsTable"]),
        *grant([GET, PUT, UPDATE], ["PaymentsPaymentsTable", "PaymentsEntriesTable"]),
        *grant([QUERY], ["PaymentsEntriesTable"]),
        *grant([PUT], ["PaymentsOutboxTable"]),
        *grant([READ_SECRET], ["secret:payments/pin-key-*"]),
    },
    "PaymentsQueryFunction": {
        *grant([GET, BATCH_GET, QUERY], ["PaymentsPositionsTable", "PaymentsPositionsTable/index"]),
    },
    "PaymentsBootstrapFunction": {
        *grant([PUT, UPDATE], ["PaymentsPositionsTable"]),
        *grant([GET, PUT], ["PaymentsPaymentsTable"]),
        *grant([PUT], ["PaymentsEntriesTable", "PaymentsOutboxTable"]),
    },
    "OutboxPublisherFunction": {
        *grant([PUBLISH], ["BankEventsTopic"]),
    },
    "HoldExpiryFunction": {
        *grant([UPDATE], ["PaymentsPositionsTable"]),
        *grant([UPDATE, QUERY], ["PaymentsHoldsTable", "PaymentsHoldsTable/index"]),
        *grant([PUT], ["PaymentsOutboxTable"]),
    },
    "LedgerFunction": {
        *grant(
            [GET, BATCH_GET, QUERY],
            [
                "LedgerEntriesTable",
                "LedgerEntriesTable/index",
                "LedgerAccountsTable",
                "LedgerAccountsTable/index",
                "LedgerEventsTable",
            ],
        ),
        *grant([INVOKE], ["PaymentsQueryFunction"]),
        *grant(
            [
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:GetQueueAttributes",
            ],
            ["LedgerDeadLetterQueue"],
        ),
        *grant(["sqs:SendMessage"], ["LedgerQueue"]),
    },
    "LedgerConsumerFunction": {
        *grant([GET, BATCH_GET, PUT], ["LedgerEntriesTable", "LedgerAccountsTable", "LedgerEventsTable"]),
    },
}


# The attributes a revocation check reads (identity.store.revocations), keys included: never a password
# hash nor anything else about a user.
AUTHORIZER_ATTRIBUTES = ["pk", "status", "token_generation", "revoked", "user_id"]
AUTHORIZER_CONDITION: Condition = {
    "ForAllValues:StringEquals": {"dynamodb:Attributes": AUTHORIZER_ATTRIBUTES},
    "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"},
}

# function → grant → the condition of every statement granting it (None: granted without one), for each
# grant that some statement grants under a condition. Exactly today's template.
CONDITIONS: dict[str, dict[Grant, list[Condition | None]]] = {
    "AuthorizerFunction": {
        grant_: [AUTHORIZER_CONDITION]
        for grant_ in grant([BATCH_GET], ["IdentityUsersTable", "IdentityRefreshTokensTable"])
    },
}


class GrantError(AssertionError):
    """A grant the checker cannot reduce to (action, logical id): it is refused, never guessed."""


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def resource_id(function: str, resource: Any, known: set[str]) -> str:
    """The logical id (or secret name pattern) a policy resource refers to."""
    if isinstance(resource, dict) and len(resource) == 1:
        ((intrinsic, argument),) = resource.items()
        if intrinsic == "Fn::GetAtt":
            parts = argument if isinstance(argument, list) else str(argument).split(".", 1)
            if len(parts) == 2 and parts[1] == "Arn" and parts[0] in known:
                return str(parts[0])
        elif intrinsic == "Ref" and isinstance(argument, str) and argument in known:
            return argument
        elif intrinsic == "Fn::Sub" and isinstance(argument, str):
            indexes = INDEXES.fullmatch(argument)
            if indexes and indexes["id"] in known:
                return f"{indexes['id']}/index"
            name = argument.removeprefix(SECRET_ARN)
            if argument.startswith(SECRET_ARN) and name and "${" not in name:
                return f"secret:{name}"
    raise GrantError(
        f"{function}: resource {resource!r} is not a logical id, its indexes or a secret of the bank"
    )


def condition_of(function: str, statement: dict[str, Any]) -> Condition | None:
    """The statement's condition as plain data: operators of keys of values, nothing else."""
    if "Condition" not in statement:
        return None
    condition = statement["Condition"]
    if not isinstance(condition, dict) or not condition:
        raise GrantError(f"{function}: a Condition must map operators to keys, not {condition!r}")
    plain: Condition = {}
    for operator, keys in condition.items():
        if not isinstance(operator, str) or not isinstance(keys, dict) or not keys:
            raise GrantError(f"{function}: condition operator {operator!r} must map keys to values")
        plain[operator] = {}
        for key, value in keys.items():
            values = value if isinstance(value, list) else [value]
            if not isinstance(key, str) or not values or not all(isinstance(v, str) for v in values):
                raise GrantError(f"{function}: condition {operator} {key!r} must hold plain strings")
            plain[operator][key] = value
    return plain


def function_statements(
    function: str, properties: dict[str, Any], known: set[str]
) -> list[tuple[set[Grant], Condition | None]]:
    """Each statement of the function's `Policies` as (its grants, its condition); only inline
    `Statement` lists of plain Allow statements pass."""
    for bypass in ("Role", "PermissionsBoundary"):
        if bypass in properties:
            raise GrantError(f"{function}: {bypass} grants outside its Policies")
    statements: list[tuple[set[Grant], Condition | None]] = []
    for policy in _as_list(properties.get("Policies") or []):
        if not isinstance(policy, dict) or set(policy) != {"Statement"}:
            raise GrantError(f"{function}: only inline Statement lists are allowed, not {policy!r}")
        for statement in _as_list(policy["Statement"]):
            if set(statement) - STATEMENT_KEYS or statement.get("Effect") != "Allow":
                raise GrantError(f"{function}: only plain Allow statements are allowed, not {statement!r}")
            grants: set[Grant] = set()
            for action in _as_list(statement["Action"]):
                if not isinstance(action, str) or "*" in action or "?" in action:
                    raise GrantError(f"{function}: wildcard action {action!r}")
                for resource in _as_list(statement["Resource"]):
                    grants.add((action, resource_id(function, resource, known)))
            statements.append((grants, condition_of(function, statement)))
    return statements


def function_grants(function: str, properties: dict[str, Any], known: set[str]) -> set[Grant]:
    """Every (action, resource) the function's `Policies` allow, with or without a condition."""
    return {g for grants, _ in function_statements(function, properties, known) for g in grants}


def _functions(text: str) -> tuple[dict[str, dict[str, Any]], set[str]]:
    template = cfn_yaml.loads(text)
    for key in ("Policies", "Role", "PermissionsBoundary"):
        assert key not in ((template.get("Globals") or {}).get("Function") or {}), f"Globals.Function.{key}"
    resources = template["Resources"]
    functions = {
        name: dict(resource.get("Properties") or {})
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    return functions, set(resources)


def template_grants(text: str) -> dict[str, set[Grant]]:
    functions, known = _functions(text)
    return {name: function_grants(name, properties, known) for name, properties in functions.items()}


def template_conditions(text: str) -> dict[str, dict[Grant, list[Condition | None]]]:
    """function → grant → the condition of each statement granting it (None: none), for every grant
    some statement grants under a condition (one granted without any besides is in effect unbounded)."""
    functions, known = _functions(text)
    found: dict[str, dict[Grant, list[Condition | None]]] = {}
    for name, properties in functions.items():
        statements = function_statements(name, properties, known)
        bounded = {g for grants, condition in statements if condition is not None for g in grants}
        if bounded:
            found[name] = {
                g: [condition for grants, condition in statements if g in grants] for g in sorted(bounded)
            }
    return found


@pytest.fixture(scope="module")
def granted() -> dict[str, set[Grant]]:
    return template_grants(TEMPLATE.read_text())


@pytest.fixture(scope="module")
def conditioned() -> dict[str, dict[Grant, list[Condition | None]]]:
    return template_conditions(TEMPLATE.read_text())


def test_every_function_is_on_the_allow_list_and_every_listed_function_exists(
    granted: dict[str, set[Grant]],
) -> None:
    assert set(granted) - set(ALLOWED) == set(), "functions without an allow-list entry"
    assert set(ALLOWED) - set(granted) == set(), "allow-list entries for functions not in the template"


def test_no_function_is_granted_more_than_its_allow_list(granted: dict[str, set[Grant]]) -> None:
    extra = sorted(
        f"{function}: {action} on {resource}"
        for function, grants in granted.items()
        for action, resource in grants - ALLOWED.get(function, set())
    )
    assert extra == [], "grants not on the allow-list:\n" + "\n".join(extra)


def test_the_allow_list_holds_nothing_the_template_no_longer_grants(granted: dict[str, set[Grant]]) -> None:
    # A narrower template is welcome: shrink the allow-list with it, so it never hides a later widening.
    stale = sorted(
        f"{function}: {action} on {resource}"
        for function, grants in ALLOWED.items()
        for action, resource in grants - granted.get(function, set())
    )
    assert stale == [], "allow-list entries the template does not grant:\n" + "\n".join(stale)


def test_every_condition_is_exactly_the_one_on_the_allow_list(
    conditioned: dict[str, dict[Grant, list[Condition | None]]],
) -> None:
    # A condition dropped, loosened, or shadowed by the same grant without one, fails here (and a new
    # one too: it is reviewed like a new grant)
    assert conditioned == CONDITIONS


def test_the_authorizer_reads_only_the_five_attributes_of_a_revocation_check(
    granted: dict[str, set[Grant]], conditioned: dict[str, dict[Grant, list[Condition | None]]]
) -> None:
    batch_gets = {g for g in granted["AuthorizerFunction"] if g[0] == BATCH_GET}
    assert batch_gets == grant([BATCH_GET], ["IdentityUsersTable", "IdentityRefreshTokensTable"])
    for batch_get in batch_gets:
        # Every statement granting it carries the condition: no unconditioned grant beside it
        (condition,) = conditioned["AuthorizerFunction"][batch_get]
        assert condition is not None
        assert set(condition) == {"ForAllValues:StringEquals", "StringEqualsIfExists"}
        attributes = condition["ForAllValues:StringEquals"]["dynamodb:Attributes"]
        assert sorted(attributes) == sorted(AUTHORIZER_ATTRIBUTES) and len(attributes) == 5
        assert "password_hash" not in attributes
        assert condition["StringEqualsIfExists"] == {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}


def test_no_function_may_delete_or_scan_the_balances(granted: dict[str, set[Grant]]) -> None:
    for function, grants in granted.items():
        for action, resource in grants:
            if resource.split("/")[0] == "PaymentsPositionsTable":
                assert action not in (DELETE, SCAN), f"{function}: {action} on {resource}"


def test_the_authorizer_reads_only_the_public_keys_secret(granted: dict[str, set[Grant]]) -> None:
    patterns = {
        resource for action, resource in granted["AuthorizerFunction"] if action.startswith("secretsmanager:")
    }
    assert patterns == {"secret:identity/signing-keys-public-*"}
    # Secrets Manager appends "-" and six characters to a name: match every secret the bank has.
    names = [f"{name}-Ab12Cd" for name in (*SECRETS, "identity/signing-keys-public")]
    readable = [name for name in names if any(fnmatchcase(f"secret:{name}", p) for p in patterns)]
    assert readable == ["identity/signing-keys-public-Ab12Cd"]
    other = {action for action, _ in granted["AuthorizerFunction"]} - {READ_SECRET}
    assert other == {BATCH_GET}  # and the two rows of revocation, by key


def test_the_ledger_invokes_only_payments_read_only_query_function(granted: dict[str, set[Grant]]) -> None:
    invoked = {resource for action, resource in granted["LedgerFunction"] if action.startswith("lambda:")}
    assert invoked == {"PaymentsQueryFunction"}
    query_function = {action for action, _ in granted["PaymentsQueryFunction"]}
    assert query_function == {GET, BATCH_GET, QUERY}  # it can move no money


def test_no_action_is_a_wildcard(granted: dict[str, set[Grant]]) -> None:
    # function_grants refuses one outright; this also covers the allow-list itself.
    for function, grants in {**granted, **ALLOWED}.items():
        for action, _ in grants:
            assert "*" not in action and "?" not in action, f"{function}: {action}"


# --- the checker itself: what it must refuse -----------------------------------------------------------

HEADER = """
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: x.handler
"""


@pytest.mark.parametrize(
    ("policies", "refusal"),
    [
        ("      Policies:\n        - DynamoDBCrudPolicy: {TableName: !Ref Table}\n", "only inline Statement"),
        ("      Policies: AWSLambdaExecute\n", "only inline Statement"),
        ("      Policies:\n        - AmazonDynamoDBFullAccess\n", "only inline Statement"),
        ("      Role: !Ref SomeRole\n", "Role grants outside"),
        (
            "      Policies:\n        - Statement:\n            - {Effect: Allow, Action: 'dynamodb:*', "
            "Resource: !GetAtt Table.Arn}\n",
            "wildcard action",
        ),
        (
            "      Policies:\n        - Statement:\n            - {Effect: Allow, Action: [dynamodb:GetItem], "
            "Resource: '*'}\n",
            "is not a logical id",
        ),
        (
            "      Policies:\n        - Statement:\n            - {Effect: Allow, NotAction: [dynamodb:DeleteItem], "
            "Resource: !GetAtt Table.Arn}\n",
            "only plain Allow",
        ),
        (
            "      Policies:\n        - Statement:\n            - {Effect: Allow, Action: [secretsmanager:GetSecretValue], "
            "Resource: 'arn:aws:secretsmanager:us-east-1:1:secret:other/x-*'}\n",
            "is not a logical id",
        ),
        (
            "      Policies:\n        - Statement:\n            - {Effect: Allow, Action: [dynamodb:GetItem], "
            "Resource: !GetAtt Table.Arn, Condition: 'true'}\n",
            "must map operators to keys",
        ),
        (
            "      Policies:\n        - Statement:\n            - {Effect: Allow, Action: [dynamodb:GetItem], "
            "Resource: !GetAtt Table.Arn, Condition: {StringEquals: [dynamodb:Select]}}\n",
            "must map keys to values",
        ),
        (
            "      Policies:\n        - Statement:\n            - {Effect: Allow, Action: [dynamodb:GetItem], "
            "Resource: !GetAtt Table.Arn, Condition: {StringEquals: {'aws:SourceArn': !Ref Table}}}\n",
            "must hold plain strings",
        ),
        (
            "      Policies:\n        - Statement:\n            - {Effect: Deny, Action: [dynamodb:GetItem], "
            "Resource: !GetAtt Table.Arn, Condition: {StringEquals: {'dynamodb:Select': COUNT}}}\n",
            "only plain Allow",
        ),
    ],
)
def test_the_checker_refuses_what_it_cannot_bound(policies: str, refusal: str) -> None:
    with pytest.raises(GrantError, match=refusal):
        template_grants(HEADER + policies)


def test_the_checker_reduces_resources_to_logical_ids() -> None:
    policies = (
        "      Policies:\n        - Statement:\n"
        "            - Effect: Allow\n"
        "              Action: [dynamodb:GetItem, dynamodb:Query]\n"
        '              Resource: [!GetAtt Table.Arn, !Sub "${Table.Arn}/index/*"]\n'
        "            - Effect: Allow\n"
        "              Action: secretsmanager:GetSecretValue\n"
        '              Resource: !Sub "' + SECRET_ARN + 'accounts/*"\n'
    )
    assert template_grants(HEADER + policies)["Fn"] == {
        *grant([GET, QUERY], ["Table", "Table/index"]),
        (READ_SECRET, "secret:accounts/*"),
    }


def test_the_checker_reads_a_condition_and_sees_an_unconditioned_twin() -> None:
    bounded = (
        "            - Effect: Allow\n"
        "              Action: [dynamodb:GetItem]\n"
        "              Resource: !GetAtt Table.Arn\n"
        "              Condition:\n"
        "                ForAllValues:StringEquals:\n"
        "                  dynamodb:Attributes: [pk, name]\n"
    )
    text = HEADER + "      Policies:\n        - Statement:\n" + bounded
    # A conditioned statement still grants (a condition only narrows it), and its condition is read
    assert template_grants(text)["Fn"] == {(GET, "Table")}
    condition = {"ForAllValues:StringEquals": {"dynamodb:Attributes": ["pk", "name"]}}
    assert template_conditions(text) == {"Fn": {(GET, "Table"): [condition]}}
    # The same grant again without a condition shows as such: the condition no longer bounds it
    twin = "            - {Effect: Allow, Action: [dynamodb:GetItem], Resource: !GetAtt Table.Arn}\n"
    assert template_conditions(text + twin) == {"Fn": {(GET, "Table"): [condition, None]}}
    # And a template without conditions has none
    plain = HEADER + "      Policies:\n        - Statement:\n" + twin
    assert template_conditions(plain) == {}
