//! What the fake helm renders besides the fixture chart's CRDs: the objects of the real chart
//! that the pre-flight reads, under the chart's conditions.
use serde_json::Value;

/// What the real chart renders besides CRDs that the pre-flight reads: node-exporter's DaemonSet
/// (host namespaces, host port, hostPath volumes, as in prometheus-node-exporter 4.56), a
/// ClusterRole and a Service in kube-system, both with helm's ownership annotations.
pub fn chart_objects(ns: &str) -> String {
    format!(
        r#"---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kube-prometheus-prometheus-node-exporter
  namespace: {ns}
spec:
  template:
    spec:
      serviceAccountName: kube-prometheus-prometheus-node-exporter
      hostNetwork: true
      hostPID: true
      containers:
        - name: node-exporter
          image: quay.io/prometheus/node-exporter:v1.10.2
          ports:
            - name: http-metrics
              containerPort: 9100
              hostPort: 9100
          volumeMounts:
            - {{name: proc, mountPath: /host/proc, readOnly: true}}
            - {{name: sys, mountPath: /host/sys, readOnly: true}}
            - {{name: root, mountPath: /host/root, readOnly: true}}
      volumes:
        - {{name: proc, hostPath: {{path: /proc}}}}
        - {{name: sys, hostPath: {{path: /sys}}}}
        - {{name: root, hostPath: {{path: /}}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: kube-prometheus-grafana-clusterrole
  annotations:
    meta.helm.sh/release-name: kube-prometheus
    meta.helm.sh/release-namespace: {ns}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: kube-prometheus-admission
  annotations:
    helm.sh/hook: pre-install,pre-upgrade,post-install,post-upgrade
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
---
apiVersion: v1
kind: Service
metadata:
  name: kube-prometheus-coredns
  namespace: kube-system
  annotations:
    meta.helm.sh/release-name: kube-prometheus
    meta.helm.sh/release-namespace: {ns}
"#
    )
}

/// The operator's Deployment and the webhooks' certificate Job under the chart's conditions
/// (88.5.3): the Deployment mounts Secret `<fullname>-admission` while `prometheusOperator.tls`
/// is on (chart default), and the hook Job that makes it runs only while the admission webhooks
/// are on (chart default).
pub fn operator_objects(ns: &str, values: &Value) -> String {
    let on = |p: &str| values.pointer(p).and_then(Value::as_bool).unwrap_or(true);
    let mut out = String::new();
    let tls = on("/prometheusOperator/tls/enabled");
    out.push_str(&format!(
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: kube-prometheus-operator\n  namespace: {ns}\nspec:\n  template:\n    spec:\n      containers:\n        - name: kube-prometheus-stack\n{}",
        if tls {
            "      volumes:\n        - name: tls-secret\n          secret:\n            secretName: kube-prometheus-admission\n"
        } else {
            ""
        }
    ));
    if on("/prometheusOperator/admissionWebhooks/enabled") {
        out.push_str(&format!(
            "---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: kube-prometheus-admission-create\n  namespace: {ns}\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\nspec:\n  template:\n    spec:\n      containers:\n        - name: create\n          args: [create, --namespace={ns}, --secret-name=kube-prometheus-admission]\n"
        ));
    }
    out
}

/// Grafana's Deployment as the grafana chart (12.11) renders its references: `envFrom` a Secret
/// with `grafana.envFromSecret`, the admin credentials from `grafana.admin.existingSecret`.
pub fn grafana_objects(ns: &str, values: &Value) -> String {
    let admin = values
        .pointer("/grafana/admin/existingSecret")
        .and_then(Value::as_str)
        .unwrap_or("kube-prometheus-grafana");
    let env_from = match values
        .pointer("/grafana/envFromSecret")
        .and_then(Value::as_str)
    {
        Some(s) if !s.is_empty() => {
            format!("          envFrom:\n            - secretRef:\n                name: {s}\n")
        }
        _ => String::new(),
    };
    format!(
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: kube-prometheus-grafana\n  namespace: {ns}\nspec:\n  template:\n    spec:\n      containers:\n        - name: grafana\n          env:\n            - name: GF_SECURITY_ADMIN_USER\n              valueFrom:\n                secretKeyRef:\n                  name: {admin}\n                  key: admin-user\n{env_from}"
    )
}
