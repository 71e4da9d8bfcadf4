//! A Grafana 12 stand-in on loopback for tests: the part of its HTTP API promstack reads, with the
//! shapes Grafana writes (`/api/health` without auth; basic auth on the rest, 401
//! `Invalid username or password`; `/api/search?type=dash-db` with folder fields and pages;
//! `/api/dashboards/uid/<uid>` as `{dashboard, meta}`; `/api/folders`; `/api/datasources`;
//! `/api/datasources/uid/<uid>/health`; the datasource proxy, GET only for a Prometheus datasource
//! (POST, PUT, DELETE: 403 as Grafana 12 answers), forwarded to the datasource's URL, a real
//! Prometheus in the tests; 502 with an empty body when that cannot be reached). Dashboards can
//! be put and removed while it runs (what the sidecar does); every request is recorded.
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct State {
    /// uid → (folder title, dashboard JSON, version)
    dashboards: BTreeMap<String, (Option<String>, Value, i64)>,
    datasources: Vec<(Value, String)>,
    requests: Vec<String>,
    delay: Duration,
    in_flight: usize,
    most_in_flight: usize,
}

/// The stand-in; it serves until the test process ends.
pub struct FakeGrafana {
    pub url: String,
    pub user: String,
    pub password: String,
    state: Arc<Mutex<State>>,
}

impl FakeGrafana {
    /// Admin `admin` with this password; no dashboards or datasources yet.
    pub fn start(password: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let state = Arc::new(Mutex::new(State::default()));
        let (st, auth) = (state.clone(), basic("admin", password));
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (st, auth) = (st.clone(), auth.clone());
                std::thread::spawn(move || serve(conn, &st, &auth));
            }
        });
        FakeGrafana {
            url,
            user: "admin".into(),
            password: password.into(),
            state,
        }
    }

    /// A Prometheus datasource with this scrape interval (`jsonData.timeInterval`; the chart
    /// provisions its Prometheus's, 30s; the test Prometheus scrapes every second).
    pub fn prometheus(self, uid: &str, url: &str, is_default: bool, scrape: &str) -> Self {
        self.datasource(
            json!({"id": 1, "uid": uid, "orgId": 1, "name": "Prometheus", "type": "prometheus",
                "typeName": "Prometheus", "access": "proxy", "url": url, "user": "", "database": "",
                "basicAuth": false, "isDefault": is_default,
                "jsonData": {"httpMethod": "POST", "timeInterval": scrape}, "readOnly": true}),
            url,
        )
    }

    /// Any datasource (its JSON as `/api/datasources` lists it) and where its proxy forwards to.
    pub fn datasource(self, ds: Value, url: &str) -> Self {
        self.state
            .lock()
            .unwrap()
            .datasources
            .push((ds, url.to_string()));
        self
    }

    /// Put a dashboard (a new version each time), in a folder or at the root.
    pub fn put(&self, folder: Option<&str>, dashboard: Value) {
        let uid = dashboard["uid"]
            .as_str()
            .expect("a dashboard with a uid")
            .to_string();
        let mut st = self.state.lock().unwrap();
        let version = st.dashboards.get(&uid).map_or(1, |d| d.2 + 1);
        st.dashboards
            .insert(uid, (folder.map(String::from), dashboard, version));
    }

    pub fn remove(&self, uid: &str) {
        self.state.lock().unwrap().dashboards.remove(uid);
    }

    /// Every answer waits this long first (a slow Grafana).
    pub fn slow(&self, delay: Duration) {
        self.state.lock().unwrap().delay = delay;
    }

    /// The most requests it answered at once.
    pub fn most_in_flight(&self) -> usize {
        self.state.lock().unwrap().most_in_flight
    }

    /// `METHOD path?query` of every request so far.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }
}

fn basic(user: &str, password: &str) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let raw = format!("{user}:{password}");
    let mut out = String::from("Basic ");
    for c in raw.as_bytes().chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            out.push(match i <= c.len() {
                true => T[(n >> (18 - 6 * i) & 63) as usize] as char,
                false => '=',
            });
        }
    }
    out
}

struct Request {
    method: String,
    path: String,
    query: String,
    authorized: bool,
}

fn read_request(conn: &TcpStream, auth: &str) -> Option<Request> {
    let mut r = BufReader::new(conn);
    let mut first = String::new();
    r.read_line(&mut first).ok()?;
    let mut parts = first.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut authorized = false;
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 || h == "\r\n" {
            break;
        }
        let (k, v) = h.split_once(':').unwrap_or((&h, ""));
        match k.to_ascii_lowercase().as_str() {
            "authorization" => authorized = v.trim() == auth,
            "content-length" => len = v.trim().parse().unwrap_or(0),
            _ => {}
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    Some(Request {
        method,
        path: path.to_string(),
        query: query.to_string(),
        authorized,
    })
}

fn reply(mut conn: &TcpStream, status: u16, body: &[u8]) {
    let _ = write!(
        conn,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = conn.write_all(body);
}

fn serve(conn: TcpStream, state: &Mutex<State>, auth: &str) {
    let Some(req) = read_request(&conn, auth) else {
        return;
    };
    let delay = {
        let mut st = state.lock().unwrap();
        st.requests
            .push(format!("{} {}?{}", req.method, req.path, req.query));
        st.in_flight += 1;
        st.most_in_flight = st.most_in_flight.max(st.in_flight);
        st.delay
    };
    std::thread::sleep(delay);
    let (status, body) = answer(state, &req);
    // done before the answer leaves: the client's next request is never counted with this one
    state.lock().unwrap().in_flight -= 1;
    reply(&conn, status, &body);
}

fn answer(state: &Mutex<State>, req: &Request) -> (u16, Vec<u8>) {
    let json = |status: u16, v: Value| (status, v.to_string().into_bytes());
    if req.path == "/api/health" {
        return json(
            200,
            json!({"commit": "promstack-test", "database": "ok", "version": "12.3.0"}),
        );
    }
    if !req.authorized {
        return json(
            401,
            json!({"message": "Invalid username or password", "messageId": "password-auth.failed", "statusCode": 401, "traceID": ""}),
        );
    }
    if let Some(rest) = req.path.strip_prefix("/api/datasources/proxy/uid/") {
        return proxy(state, req, rest);
    }
    let (status, body) = route(state, req);
    json(status, body)
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn route(state: &Mutex<State>, req: &Request) -> (u16, Value) {
    let st = state.lock().unwrap();
    let folders = folders(&st);
    match req.path.as_str() {
        "/api/user" => (
            200,
            json!({"id": 1, "login": "admin", "orgId": 1, "isGrafanaAdmin": true}),
        ),
        "/api/search" => (200, search(&st, &folders, &req.query)),
        "/api/folders" => (200, Value::Array(folders.values().cloned().collect())),
        "/api/datasources" => (
            200,
            Value::Array(st.datasources.iter().map(|d| d.0.clone()).collect()),
        ),
        p => match p.strip_prefix("/api/dashboards/uid/") {
            Some(uid) => match st.dashboards.get(uid) {
                Some((folder, d, version)) => {
                    let f = folder.as_ref().map(|t| &folders[t]);
                    let mut d = d.clone();
                    d["version"] = json!(version);
                    (
                        200,
                        json!({"dashboard": d, "meta": {"type": "db", "slug": uid, "version": version,
                        "provisioned": true, "folderUid": f.map_or(json!(""), |f| f["uid"].clone()),
                        "folderTitle": folder.clone().unwrap_or_else(|| "General".into())}}),
                    )
                }
                None => (404, json!({"message": "Dashboard not found"})),
            },
            None if p.starts_with("/api/datasources/uid/") && p.ends_with("/health") => (
                200,
                json!({"message": "Successfully queried the Prometheus API.", "status": "OK"}),
            ),
            None => (404, json!({"message": "Not found"})),
        },
    }
}

fn folders(st: &State) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (folder, _, _) in st.dashboards.values() {
        if let Some(t) = folder {
            let n = out.len() + 1;
            out.entry(t.clone()).or_insert_with(|| {
                json!({"id": n, "uid": format!("folder-{}", t.to_lowercase().replace(' ', "-")), "title": t})
            });
        }
    }
    out
}

fn search(st: &State, folders: &BTreeMap<String, Value>, query: &str) -> Value {
    let limit: usize = query_param(query, "limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(1000);
    let page: usize = query_param(query, "page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let hits: Vec<Value> = st
        .dashboards
        .iter()
        .enumerate()
        .map(|(i, (uid, (folder, d, _)))| {
            let mut h = json!({"id": i + 1, "uid": uid, "orgId": 1, "title": d["title"],
                "uri": format!("db/{uid}"), "url": format!("/d/{uid}/{uid}"), "slug": "",
                "type": "dash-db", "tags": d["tags"].as_array().cloned().unwrap_or_default(),
                "isStarred": false, "sortMeta": 0});
            if let Some(f) = folder.as_ref().map(|t| &folders[t]) {
                h["folderId"] = f["id"].clone();
                h["folderUid"] = f["uid"].clone();
                h["folderTitle"] = f["title"].clone();
            }
            h
        })
        .skip((page.max(1) - 1) * limit)
        .take(limit)
        .collect();
    Value::Array(hits)
}

/// The datasource proxy: GET forwarded to the datasource's URL; other methods 403 for Prometheus.
fn proxy(state: &Mutex<State>, req: &Request, rest: &str) -> (u16, Vec<u8>) {
    let (uid, rel) = rest.split_once('/').unwrap_or((rest, ""));
    let target = {
        let st = state.lock().unwrap();
        st.datasources
            .iter()
            .find(|d| d.0["uid"] == uid)
            .map(|d| (d.0["type"].as_str().unwrap_or("").to_string(), d.1.clone()))
    };
    let Some((kind, url)) = target else {
        let body = json!({"message": "Unable to find datasource"});
        return (404, body.to_string().into_bytes());
    };
    if kind == "prometheus" && req.method != "GET" {
        let m = format!(
            "non allow-listed {}s not allowed on proxied Prometheus datasource",
            req.method
        );
        return (403, json!({ "message": m }).to_string().into_bytes());
    }
    forward(&url, rel, &req.query).unwrap_or((502, vec![]))
}

/// `GET <url>/<rel>?<query>` over plain HTTP/1.0: (status, body).
fn forward(url: &str, rel: &str, query: &str) -> Option<(u16, Vec<u8>)> {
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut s = TcpStream::connect(host).ok()?;
    write!(s, "GET /{rel}?{query} HTTP/1.0\r\nHost: {host}\r\n\r\n").ok()?;
    let mut all = Vec::new();
    s.read_to_end(&mut all).ok()?;
    let split = all.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&all[..split]);
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, all[split + 4..].to_vec()))
}
