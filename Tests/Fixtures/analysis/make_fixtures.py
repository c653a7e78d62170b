"""Reference numbers for the analysis tests (Tests/ComputeTests/*CKA*, Clustering, Silhouette,
Persistence). Run: python3 make_fixtures.py (numpy, scipy, scikit-learn, ripser)."""
import json
import numpy as np
from scipy.cluster.hierarchy import linkage, fcluster
from scipy.spatial.distance import pdist
from sklearn.metrics import silhouette_score
from ripser import ripser

rng = np.random.default_rng(20261122)
here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."


def write(name, payload):
    with open(f"{here}/{name}", "w") as f:
        json.dump(payload, f, indent=None, separators=(",", ":"))
        f.write("\n")


# --- CKA: kernel form (METHODS.md DHAM step 2) checked against the feature form ------------
def hsic(K, L):
    n = K.shape[0]
    H = np.eye(n) - np.ones((n, n)) / n
    return np.trace(K @ H @ L @ H) / (n - 1) ** 2


def cka_kernel(X, Y):
    K, L = X @ X.T, Y @ Y.T
    return hsic(K, L) / np.sqrt(hsic(K, K) * hsic(L, L))


def cka_feature(X, Y):
    X = X - X.mean(0)
    Y = Y - Y.mean(0)
    return np.linalg.norm(Y.T @ X) ** 2 / (np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y))


def f32(a):
    return a.astype(np.float32).astype(np.float64)   # the Swift side holds Float tensors


pairs = []
for n, dx, dy, noise in [(40, 6, 6, 0.5), (64, 8, 5, 1.0), (30, 12, 3, 0.1), (50, 4, 9, 3.0)]:
    X = f32(rng.normal(size=(n, dx)) + rng.normal(size=dx))
    Y = f32(X @ rng.normal(size=(dx, dy)) + noise * rng.normal(size=(n, dy)))
    k, f = cka_kernel(X, Y), cka_feature(X, Y)
    assert abs(k - f) < 1e-10, (k, f)
    pairs.append({"x": X.tolist(), "y": Y.tolist(), "cka": k})
layers = [f32(rng.normal(size=(36, 5)))]
for _ in range(4):
    layers.append(f32(np.tanh(layers[-1] @ rng.normal(size=(5, 5))) + 0.3 * rng.normal(size=(36, 5))))
matrix = [[cka_kernel(a, b) for b in layers] for a in layers]
write("cka.json", {"pairs": pairs, "layers": [l.tolist() for l in layers], "matrix": matrix})

# --- Linkage, cuts and silhouettes ---------------------------------------------------------
cases = []
for n in [5, 9, 16, 31]:
    for source in ["uniform", "points"]:
        if source == "uniform":
            y = rng.uniform(0.1, 2.0, size=n * (n - 1) // 2)
        else:
            y = pdist(rng.normal(size=(n, 3)) + np.repeat(rng.normal(scale=3, size=(3, 3)), [n // 3, n // 3, n - 2 * (n // 3)], axis=0))
        case = {"n": n, "condensed": y.tolist(), "methods": {}}
        for method in ["single", "complete", "average", "ward"]:
            Z = linkage(y, method=method)
            # Midway between merge heights, so a last-bit difference in a height cannot move the cut.
            mid = len(Z) // 2
            thresholds = [float(Z[mid - 1, 2] + Z[mid, 2]) / 2, float(Z[-2, 2] + Z[-1, 2]) / 2, float(Z[0, 2]) * 0.5]
            cuts = [{"threshold": t, "labels": fcluster(Z, t, criterion="distance").tolist()} for t in thresholds]
            counts = []
            for k in range(2, min(n - 2, 6) + 1):
                labels = fcluster(Z, k, criterion="maxclust")
                D = np.zeros((n, n))
                D[np.triu_indices(n, 1)] = y
                D = D + D.T
                sil = float(silhouette_score(D, labels, metric="precomputed")) if 2 <= len(set(labels)) <= n - 1 else None
                counts.append({"count": k, "labels": labels.tolist(), "silhouette": sil})
            case["methods"][method] = {"merges": Z.tolist(), "cuts": cuts, "maxclust": counts}
        cases.append(case)
write("linkage.json", {"cases": cases})

# --- Persistence (ripser, maxdim=1) --------------------------------------------------------
clouds = []


def add(name, X=None, D=None, thresh=np.inf):
    if D is None:
        result = ripser(X, maxdim=1, thresh=thresh)
    else:
        result = ripser(D, maxdim=1, thresh=thresh, distance_matrix=True)
    h0, h1 = result["dgms"]
    bars = lambda d: [[float(b), None if np.isinf(e) else float(e)] for b, e in d]
    item = {"name": name, "h0": bars(h0), "h1": bars(h1), "max_radius": None if np.isinf(thresh) else thresh}
    if D is None:
        item["points"] = X.tolist()
    else:
        item["distances"] = D.tolist()
    clouds.append(item)


for dim, n in [(2, 20), (2, 40), (3, 30), (3, 60), (5, 25), (10, 50), (50, 40), (2, 60), (4, 45), (8, 35)]:
    add(f"gaussian d={dim} n={n}", X=rng.normal(size=(n, dim)))
angles = rng.uniform(0, 2 * np.pi, size=40)
add("circle", X=np.c_[np.cos(angles), np.sin(angles)] + 0.03 * rng.normal(size=(40, 2)))
add("circle in 5d", X=np.c_[np.cos(angles), np.sin(angles), np.zeros((40, 3))] + 0.02 * rng.normal(size=(40, 5)))
add("two clusters", X=np.r_[rng.normal(size=(20, 3)) * 0.2, rng.normal(size=(20, 3)) * 0.2 + 10])
t = rng.uniform(0, 2 * np.pi, size=50)
add("figure eight", X=np.r_[np.c_[np.cos(t[:25]) - 1, np.sin(t[:25])], np.c_[np.cos(t[25:]) + 1, np.sin(t[25:])]] + 0.02 * rng.normal(size=(50, 2)))
add("gaussian with max radius", X=rng.normal(size=(40, 2)), thresh=0.6)
add("circle with max radius", X=np.c_[np.cos(angles), np.sin(angles)], thresh=0.5)
for n in [12, 25, 40]:
    A = rng.uniform(0.1, 1.0, size=(n, n))
    D = np.triu(A, 1)
    D = D + D.T
    add(f"random distance matrix n={n}", D=D)
P = rng.normal(size=(30, 6))
add("distance matrix of points", D=np.sqrt(((P[:, None, :] - P[None, :, :]) ** 2).sum(-1)))
write("persistence.json", {"clouds": clouds})
print(len(pairs), "CKA pairs,", len(cases), "linkage cases,", len(clouds), "point clouds")
