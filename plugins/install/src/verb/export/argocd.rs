//! The Argo CD variant of the export (`--format argocd`): an `Application` (argoproj.io/v1alpha1)
//! with two sources, the pinned chart with the tree's values files (`$values/...`), and the tree
//! itself from git (its kustomization: namespace, rules, dashboards, the Alertmanager config
//! Secret); synced server-side (`ServerSideApply=true`: the CRDs and big dashboards are past
//! client-side apply's annotation limit). It lives in Argo CD's namespace, so it is not one of the
//! kustomization's resources: apply it there, or point an app-of-apps at it.
use super::{ExportOptions, HEADER};
use crate::chart::values::RELEASE;
use crate::helm::{CHART_NAME, CHART_REPO, CHART_VERSION};
use serde_json::json;

/// The namespace Argo CD runs in and keeps its Applications.
pub const ARGOCD_NAMESPACE: &str = "argocd";

/// `application.yaml`. `repo` and `path`: where Argo CD reads this tree from.
pub(super) fn application_file(opts: &ExportOptions, repo: &str, path: &str) -> String {
    let path = path.trim_matches('/');
    let values = |f: &str| format!("$values/{path}/{f}");
    let app = json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": RELEASE, "namespace": ARGOCD_NAMESPACE},
        "spec": {
            "project": "default",
            "destination": {"server": "https://kubernetes.default.svc", "namespace": opts.namespace},
            "sources": [
                {
                    "repoURL": CHART_REPO,
                    "chart": CHART_NAME,
                    "targetRevision": CHART_VERSION,
                    "helm": {
                        "releaseName": RELEASE,
                        "valueFiles": [
                            values("values.yaml"),
                            values(&format!("values-{}.yaml", opts.env.name())),
                            values("values-overlay.yaml"),
                        ],
                    },
                },
                {"repoURL": repo, "targetRevision": "HEAD", "path": path, "ref": "values"},
            ],
            "syncPolicy": {
                "automated": {"prune": true, "selfHeal": true},
                "syncOptions": ["ServerSideApply=true"],
            },
        },
    });
    format!(
        "{HEADER}# The Argo CD Application of the stack: apply it in namespace {ARGOCD_NAMESPACE} (kubectl -n {ARGOCD_NAMESPACE} apply -f application.yaml).\n---\n{}",
        serde_yaml::to_string(&app).expect("JSON values serialise")
    )
}
