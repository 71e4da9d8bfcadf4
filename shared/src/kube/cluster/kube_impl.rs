//! The real implementation of [`Cluster`] on kube-rs.
use super::{ApplyOptions, Cluster, ClusterError, ClusterInfo, Forward, ListQuery, ObjRef};
use async_trait::async_trait;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::GroupVersionKind;
use kube::discovery::{ApiCapabilities, ApiResource, Scope};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

/// kube-rs client plus a cache of resolved kinds (one discovery call per kind).
pub struct KubeCluster {
    client: kube::Client,
    info: ClusterInfo,
    kinds: Mutex<HashMap<(String, String), (ApiResource, ApiCapabilities)>>,
}

impl KubeCluster {
    /// Build a client from a kubeconfig (the given file, else `$KUBECONFIG`/`~/.kube/config`,
    /// else in-cluster config) and an optional context.
    pub async fn connect(kubeconfig: Option<&Path>, context: Option<&str>) -> anyhow::Result<Self> {
        let options = KubeConfigOptions {
            context: context.map(str::to_string),
            ..Default::default()
        };
        let (config, context_name) = match kubeconfig {
            Some(path) => {
                let kc = Kubeconfig::read_from(path).map_err(|e| {
                    crate::Error::input(format!(
                        "cannot read kubeconfig {}: {e}. Pass --kubeconfig FILE or set KUBECONFIG.",
                        path.display()
                    ))
                })?;
                let name = context
                    .map(str::to_string)
                    .or_else(|| kc.current_context.clone())
                    .unwrap_or_default();
                let cfg = kube::Config::from_custom_kubeconfig(kc, &options)
                    .await
                    .map_err(|e| crate::Error::input(format!("kubeconfig {}: {e}", path.display())))?;
                (cfg, name)
            }
            None => match kube::Config::from_kubeconfig(&options).await {
                Ok(cfg) => {
                    let name = context
                        .map(str::to_string)
                        .or_else(|| Kubeconfig::read().ok().and_then(|k| k.current_context))
                        .unwrap_or_default();
                    (cfg, name)
                }
                Err(kerr) => match kube::Config::incluster() {
                    Ok(cfg) if context.is_none() => (cfg, "in-cluster".to_string()),
                    _ => {
                        return Err(crate::Error::input(format!(
                            "no usable kubeconfig: {kerr}. Pass --kubeconfig FILE, set KUBECONFIG, or pick a context with --context."
                        ))
                        .into())
                    }
                },
            },
        };
        let server = config.cluster_url.to_string();
        let client = kube::Client::try_from(config)?;
        Ok(KubeCluster {
            client,
            info: ClusterInfo {
                context: context_name,
                server,
            },
            kinds: Mutex::new(HashMap::new()),
        })
    }

    /// The client for the global flags (`--kubeconfig`, `--context`).
    pub async fn from_args(g: &crate::terminal::cli::GlobalArgs) -> anyhow::Result<Self> {
        Self::connect(g.kubeconfig.as_deref(), g.context.as_deref()).await
    }

    async fn resolve(
        &self,
        api_version: &str,
        kind: &str,
    ) -> Result<(ApiResource, ApiCapabilities), ClusterError> {
        let key = (api_version.to_string(), kind.to_string());
        if let Some(hit) = self.kinds.lock().unwrap().get(&key) {
            return Ok(hit.clone());
        }
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        let gvk = GroupVersionKind::gvk(group, version, kind);
        let resolved = kube::discovery::pinned_kind(&self.client, &gvk)
            .await
            .map_err(|e| match map_err(e) {
                ClusterError::NotFound(_) => {
                    ClusterError::UnknownKind(format!("{kind} ({api_version})"))
                }
                other => other,
            })?;
        self.kinds.lock().unwrap().insert(key, resolved.clone());
        Ok(resolved)
    }

    async fn api(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
    ) -> Result<Api<DynamicObject>, ClusterError> {
        let (ar, caps) = self.resolve(api_version, kind).await?;
        Ok(match (caps.scope, namespace) {
            (Scope::Namespaced, Some(ns)) => Api::namespaced_with(self.client.clone(), ns, &ar),
            _ => Api::all_with(self.client.clone(), &ar),
        })
    }
}

impl KubeCluster {
    /// A server-side apply of `obj` with these parameters (manager, force, dry run): the object
    /// as stored (or, dry, as it would be).
    async fn server_side_apply(
        &self,
        obj: &Value,
        pp: &PatchParams,
    ) -> Result<Value, ClusterError> {
        let r = ObjRef::of(obj)?;
        let api = self
            .api(&r.api_version, &r.kind, r.namespace.as_deref())
            .await?;
        let stored = api
            .patch(&r.name, pp, &Patch::Apply(obj))
            .await
            .map_err(map_err)?;
        to_json(stored)
    }

    /// Forward a loopback port to `port` of Service `ns/service`: the Service's selector picks a
    /// running, ready pod, its `targetPort` (number or name) the pod port. Each local connection
    /// opens its own forward stream, so HTTP clients can reconnect freely.
    async fn forward_service(&self, ns: &str, service: &str, port: u16) -> anyhow::Result<Forward> {
        use k8s_openapi::api::core::v1::{Pod, Service};
        use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
        let svcs: Api<Service> = Api::namespaced(self.client.clone(), ns);
        let svc = svcs.get_opt(service).await?.ok_or_else(|| crate::Error::check(format!("Service {ns}/{service} not found: is the stack installed in namespace {ns}? (pass -n, or the URL)")))?;
        let spec = svc.spec.unwrap_or_default();
        let selector = spec.selector.unwrap_or_default();
        if selector.is_empty() {
            return Err(crate::Error::check(format!(
                "Service {ns}/{service} has no selector to find a pod by"
            ))
            .into());
        }
        let sp = spec
            .ports
            .unwrap_or_default()
            .into_iter()
            .find(|p| p.port == i32::from(port))
            .ok_or_else(|| {
                crate::Error::check(format!("Service {ns}/{service} has no port {port}"))
            })?;
        let pods: Api<Pod> = Api::namespaced(self.client.clone(), ns);
        let sel = selector
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        let pod = pods
            .list(&ListParams::default().labels(&sel))
            .await?
            .items
            .into_iter()
            .find(crate::kube::readiness::pod_serving)
            .ok_or_else(|| {
                crate::Error::check(format!(
                    "no ready pod behind Service {ns}/{service} (selector {sel})"
                ))
            })?;
        let pod_name = pod.metadata.name.clone().unwrap_or_default();
        let target: u16 = match sp.target_port {
            Some(IntOrString::Int(n)) => n as u16,
            Some(IntOrString::String(name)) => pod
                .spec
                .as_ref()
                .into_iter()
                .flat_map(|s| s.containers.iter())
                .flat_map(|c| c.ports.iter().flatten())
                .find(|p| p.name.as_deref() == Some(name.as_str()))
                .map(|p| p.container_port as u16)
                .ok_or_else(|| {
                    crate::Error::check(format!("pod {pod_name} has no port named {name}"))
                })?,
            None => port,
        };
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let local = listener.local_addr()?.port();
        let (pods2, name2) = (pods.clone(), pod_name.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let (pods, name) = (pods2.clone(), name2.clone());
                tokio::spawn(async move {
                    let Ok(mut pf) = pods.portforward(&name, &[target]).await else {
                        return;
                    };
                    if let Some(mut upstream) = pf.take_stream(target) {
                        let _ = tokio::io::copy_bidirectional(&mut conn, &mut upstream).await;
                    }
                    drop(pf);
                });
            }
        });
        Ok(Forward::new(
            format!("http://127.0.0.1:{local}"),
            pod_name,
            task,
        ))
    }
}

fn map_err(e: kube::Error) -> ClusterError {
    match e {
        kube::Error::Api(status) => {
            let message = if status.message.is_empty() {
                status.reason.clone()
            } else {
                status.message.clone()
            };
            match status.code {
                404 => ClusterError::NotFound(message),
                409 => ClusterError::Conflict(message),
                code => ClusterError::Api { code, message },
            }
        }
        other => ClusterError::Unreachable(other.to_string()),
    }
}

fn to_json(obj: DynamicObject) -> Result<Value, ClusterError> {
    serde_json::to_value(obj).map_err(|e| ClusterError::Invalid(e.to_string()))
}

#[async_trait]
impl Cluster for KubeCluster {
    fn info(&self) -> ClusterInfo {
        self.info.clone()
    }

    async fn server_version(&self) -> Result<String, ClusterError> {
        self.client
            .apiserver_version()
            .await
            .map(|v| v.git_version)
            .map_err(map_err)
    }

    async fn get(&self, r: &ObjRef) -> Result<Option<Value>, ClusterError> {
        let api = self
            .api(&r.api_version, &r.kind, r.namespace.as_deref())
            .await?;
        match api.get_opt(&r.name).await.map_err(map_err)? {
            Some(obj) => Ok(Some(to_json(obj)?)),
            None => Ok(None),
        }
    }

    async fn list(&self, q: &ListQuery) -> Result<Vec<Value>, ClusterError> {
        let api = self
            .api(&q.api_version, &q.kind, q.namespace.as_deref())
            .await?;
        let mut lp = ListParams::default();
        if let Some(sel) = &q.label_selector {
            lp = lp.labels(sel);
        }
        if let Some(sel) = &q.field_selector {
            lp = lp.fields(sel);
        }
        let list = api.list(&lp).await.map_err(map_err)?;
        list.items
            .into_iter()
            .map(|mut o| {
                // list items come without apiVersion/kind: put them back so callers see whole objects
                o.types = Some(kube::core::TypeMeta {
                    api_version: q.api_version.clone(),
                    kind: q.kind.clone(),
                });
                to_json(o)
            })
            .collect()
    }

    async fn apply(&self, obj: &Value, opts: ApplyOptions) -> Result<Value, ClusterError> {
        let mut pp = PatchParams::apply(crate::FIELD_MANAGER);
        if opts.force {
            pp = pp.force();
        }
        self.server_side_apply(obj, &pp).await
    }

    async fn dry_run_create(&self, obj: &Value) -> Result<Value, ClusterError> {
        let r = ObjRef::of(obj)?;
        let api = self
            .api(&r.api_version, &r.kind, r.namespace.as_deref())
            .await?;
        let dynamic: DynamicObject = serde_json::from_value(obj.clone())
            .map_err(|e| ClusterError::Invalid(e.to_string()))?;
        let pp = PostParams {
            dry_run: true,
            field_manager: Some(crate::FIELD_MANAGER.into()),
        };
        to_json(api.create(&pp, &dynamic).await.map_err(map_err)?)
    }

    async fn dry_run_apply(&self, obj: &Value, manager: &str) -> Result<Value, ClusterError> {
        self.server_side_apply(obj, &PatchParams::apply(manager).force().dry_run())
            .await
    }

    async fn forward(&self, ns: &str, service: &str, port: u16) -> anyhow::Result<Forward> {
        self.forward_service(ns, service, port).await
    }

    async fn delete(&self, r: &ObjRef) -> Result<bool, ClusterError> {
        let api = self
            .api(&r.api_version, &r.kind, r.namespace.as_deref())
            .await?;
        match api.delete(&r.name, &DeleteParams::background()).await {
            Ok(_) => Ok(true),
            Err(e) => match map_err(e) {
                ClusterError::NotFound(_) => Ok(false),
                other => Err(other),
            },
        }
    }
}
