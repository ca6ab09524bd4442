"""Powertools Logger and Metrics, created once per process and shared by a service's modules.

The service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE set by
the template, as Powertools recommends. Every non-HTTP entry point is decorated with
`@logger.inject_lambda_context` and `@metrics.log_metrics(raise_on_empty_metrics=False)`, so its
metrics are flushed one way: by the decorator, at the end of the invocation, also when it raises.
"""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
metrics = Metrics()

# Most invocations publish no metric (a bootstrap that finds everything done, an internal read): that is
# expected, so the warning `log_metrics` gives for an empty set is silenced, as Powertools documents.
warnings.filterwarnings("ignore", "No application metrics to publish")

__all__ = ["MetricUnit", "logger", "metrics"]
