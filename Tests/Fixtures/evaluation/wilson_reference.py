"""95% Wilson score intervals from scipy (binomtest(k, n).proportion_ci(method="wilson")),
the reference for EvaluationIntervalTests. Run: python3 wilson_reference.py > wilson.json"""
import json
from scipy.stats import binomtest

cases = [(17, 20), (0, 10), (10, 10), (1, 3), (50, 100), (0, 1), (123, 456)]
rows = []
for k, n in cases:
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    rows.append({"successes": k, "trials": n, "low": float(ci.low), "high": float(ci.high)})
print(json.dumps({"source": "scipy.stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method='wilson')",
                  "intervals": rows}, indent=1))
