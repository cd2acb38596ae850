//! Images (the image delivery service) through the real function binaries, against both object stores:
//! - the S3-compatible store standing in for MinIO (SeaweedFS), through the local gateway
//!   (`cargo lambda watch`) with the stack's configuration;
//! - the AWS emulator's S3 (LocalStack or moto), with the same binaries run by our own Lambda
//!   Runtime API (`runtime-api`) and `IMAGES_S3_ENDPOINT` unset — only configuration differs.
//!
//! The tests of this file share the buckets' contents and one test stops the image store, so
//! they run one at a time (`STORE`).
// Needs the local cloud; without it the tests are compiled out (tests/build.rs says so).
#![cfg(local_cloud)]

use integration_tests::{env, gateway, http, run_function, stack_ctl};
use runtime_api::FunctionProcess;
use runtime_api::apigw::{HttpRequest, HttpResponse};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;
use tokio::sync::Mutex;

static STORE: Mutex<()> = Mutex::const_new(());

const PNG: &[u8] = include_bytes!("../fixtures/images/sunset.png");
const JPEG: &[u8] = include_bytes!("../fixtures/images/photo.jpg");
const GIF: &[u8] = include_bytes!("../fixtures/images/dot.gif");
const WEBP: &[u8] = include_bytes!("../fixtures/images/fade.webp");

/// The functions and their routes, as in the router table and template.yaml.
const ROUTES: [(&str, &str, &str); 4] = [
    ("images-upload", "POST", "/images"),
    ("images-list", "GET", "/images"),
    ("images-presign", "POST", "/images/uploads"),
    ("images-complete", "POST", "/images/uploads/{uploadId}/complete"),
];

#[derive(Clone, Copy, Debug)]
enum Store {
    /// SeaweedFS (MinIO stand-in), functions behind the local gateway.
    ImageStore,
    /// The AWS emulator's S3, functions run by the test's own Runtime API.
    AwsEmulator,
}

struct Answer {
    status: u16,
    headers: HashMap<String, String>,
    json: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.json["code"].as_str().unwrap_or_default()
    }
}

/// One way of calling the image routes.
struct ImagesApi {
    store: Store,
    processes: HashMap<&'static str, FunctionProcess>,
}

impl ImagesApi {
    async fn new(store: Store) -> Self {
        let mut processes = HashMap::new();
        if let Store::AwsEmulator = store {
            for (function, _, _) in ROUTES {
                // Unset: the images go where the rest of AWS goes (the emulator's S3).
                processes.insert(function, run_function(function, &[("IMAGES_S3_ENDPOINT", "")]).await);
            }
        }
        Self { store, processes }
    }

    fn s3_endpoint(&self) -> String {
        match self.store {
            Store::ImageStore => env("IMAGES_S3_ENDPOINT"),
            Store::AwsEmulator => std::env::var("AWS_ENDPOINT_URL_S3").unwrap_or_else(|_| env("AWS_ENDPOINT_URL")),
        }
    }

    async fn s3(&self) -> aws_sdk_s3::Client {
        let sdk = integration_tests::aws_sdk_config().await;
        let conf = aws_sdk_s3::config::Builder::from(&sdk).endpoint_url(self.s3_endpoint()).force_path_style(true);
        aws_sdk_s3::Client::from_conf(conf.build())
    }

    /// Every key in the bucket, to prove that refused requests leave nothing behind.
    async fn all_keys(&self) -> BTreeSet<String> {
        // Every page: the load and fault tests leave thousands of images in the local bucket.
        let s3 = self.s3().await;
        let mut keys = BTreeSet::new();
        let mut token: Option<String> = None;
        loop {
            let page =
                s3.list_objects_v2().bucket(env("IMAGES_BUCKET")).set_continuation_token(token.take()).send().await;
            let page = page.expect("list the bucket");
            keys.extend(page.contents().iter().filter_map(|o| o.key().map(str::to_string)));
            match page.next_continuation_token() {
                Some(next) if page.is_truncated().unwrap_or(false) => token = Some(next.to_string()),
                _ => return keys,
            }
        }
    }

    async fn call(&mut self, function: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
        let (_, method, route) = ROUTES.iter().find(|(f, _, _)| *f == function).expect("known function");
        match self.store {
            Store::ImageStore => {
                let mut req = http().request(method.parse().expect("method"), format!("{}{path}", gateway()));
                for (name, value) in headers {
                    req = req.header(*name, *value);
                }
                let resp = req.body(body).send().await.expect("gateway answers");
                let status = resp.status().as_u16();
                let headers = resp
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
                    .collect();
                let text = resp.text().await.expect("body");
                Answer { status, headers, json: serde_json::from_str(&text).unwrap_or(Value::String(text)) }
            }
            Store::AwsEmulator => {
                let mut req = HttpRequest::new(method, path).route(route).body(body);
                for (name, value) in headers {
                    req = req.header(name, value);
                }
                let process = self.processes.get_mut(function).expect("function process");
                let resp: HttpResponse = process.http(&req, Duration::from_secs(30)).await.expect("function answers");
                let json = resp.json().unwrap_or_else(|_| Value::String(resp.text()));
                Answer { status: resp.status, headers: resp.headers.into_iter().collect(), json }
            }
        }
    }

    async fn upload_multipart(&mut self, field: &str, filename: &str, bytes: &[u8]) -> Answer {
        let mut body = Vec::new();
        body.extend_from_slice(b"--b0undary\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nholiday\r\n");
        let part = format!(
            "--b0undary\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        );
        body.extend_from_slice(part.as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n--b0undary--\r\n");
        self.call("images-upload", "/images", &[("content-type", "multipart/form-data; boundary=b0undary")], body).await
    }

    async fn upload_raw(&mut self, content_type: &str, query: &str, bytes: &[u8]) -> Answer {
        self.call("images-upload", &format!("/images{query}"), &[("content-type", content_type)], bytes.to_vec()).await
    }

    async fn list(&mut self, query: &str) -> Answer {
        self.call("images-list", &format!("/images{query}"), &[], Vec::new()).await
    }
}

/// Fetches a public URL with no credentials at all.
async fn fetch_anonymously(url: &str) -> (u16, String, Vec<u8>) {
    let resp = http().get(url).send().await.expect("store answers");
    let status = resp.status().as_u16();
    let content_type = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    (status, content_type, resp.bytes().await.expect("body").to_vec())
}

async fn round_trip(store: Store) {
    let _one_at_a_time = STORE.lock().await;
    let mut api = ImagesApi::new(store).await;

    let form = api.upload_multipart("file", "sunset at the beach.png", PNG).await;
    assert_eq!(form.status, 201, "{store:?} multipart upload: {}", form.json);
    let raw = api.upload_raw("image/jpeg", "?filename=photo.jpg", JPEG).await;
    assert_eq!(raw.status, 201, "{store:?} raw upload: {}", raw.json);
    let gif = api.upload_raw("application/octet-stream", "", GIF).await;
    assert_eq!(gif.status, 201, "{store:?} untyped raw upload: {}", gif.json);
    let webp = api.upload_multipart("file", "fade.webp", WEBP).await;
    assert_eq!(webp.status, 201, "{store:?} webp upload: {}", webp.json);

    assert_eq!(form.json["contentType"], "image/png");
    assert_eq!(form.json["originalName"], "sunset at the beach.png");
    assert_eq!((form.json["width"].as_u64(), form.json["height"].as_u64()), (Some(64), Some(48)));
    assert_eq!(form.json["size"].as_u64(), Some(PNG.len() as u64));
    assert_eq!(form.headers.get("location").map(String::as_str), form.json["url"].as_str());
    let key = form.json["key"].as_str().expect("key");
    assert!(key.starts_with("images/") && !key.contains("sunset"), "the key is ours, not the file name: {key}");
    assert_eq!(raw.json["contentType"], "image/jpeg");
    assert_eq!(gif.json["contentType"], "image/gif");
    assert_eq!(webp.json["contentType"], "image/webp");

    // Newest first: the four uploads lead the listing, most recent on top.
    let listing = api.list("?limit=4").await;
    assert_eq!(listing.status, 200, "{}", listing.json);
    let listed: Vec<&str> =
        listing.json["images"].as_array().expect("images").iter().filter_map(|i| i["key"].as_str()).collect();
    let uploaded: Vec<&str> = [&webp, &gif, &raw, &form].iter().filter_map(|a| a.json["key"].as_str()).collect();
    assert_eq!(listed, uploaded);
    assert_eq!(listing.json["images"][3]["url"], form.json["url"]);

    // Pagination: the cursor continues exactly where the page ended.
    let page = api.list("?limit=2").await;
    let cursor = page.json["nextCursor"].as_str().expect("a next page");
    let next = api.list(&format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(next.json["images"][0]["key"], raw.json["key"]);

    for (answer, bytes, content_type) in
        [(&form, PNG, "image/png"), (&raw, JPEG, "image/jpeg"), (&webp, WEBP, "image/webp")]
    {
        let (status, ct, got) = fetch_anonymously(answer.json["url"].as_str().expect("url")).await;
        assert_eq!((status, ct.as_str()), (200, content_type), "{store:?} public URL");
        assert_eq!(got, bytes, "{store:?} the public URL serves the uploaded bytes");
    }
}

async fn presigned_upload(store: Store) {
    let _one_at_a_time = STORE.lock().await;
    let mut api = ImagesApi::new(store).await;
    let presign = |body: Value| serde_json::to_vec(&body).expect("json");
    let json_header = [("content-type", "application/json")];

    let offer = api
        .call(
            "images-presign",
            "/images/uploads",
            &json_header,
            presign(json!({ "contentType": "image/jpeg", "size": JPEG.len(), "filename": "big photo.jpg" })),
        )
        .await;
    assert_eq!(offer.status, 201, "{store:?} presign: {}", offer.json);
    let url = offer.json["url"].as_str().expect("url");
    let upload_id = offer.json["uploadId"].as_str().expect("uploadId").to_string();
    let signed: HashMap<String, String> = serde_json::from_value(offer.json["headers"].clone()).expect("headers");
    assert_eq!(signed.get("content-type").map(String::as_str), Some("image/jpeg"));
    assert_eq!(signed.get("content-length").map(String::as_str), Some(JPEG.len().to_string().as_str()));

    if let Store::ImageStore = store {
        // The store enforces the signature: another content type is refused …
        let mut forged = http().put(url).body(JPEG.to_vec());
        for (k, v) in &signed {
            forged = forged.header(k, if k == "content-type" { "text/html" } else { v.as_str() });
        }
        assert_eq!(forged.send().await.expect("store answers").status().as_u16(), 403, "forged content type");
    }
    let mut put = http().put(url).body(JPEG.to_vec());
    for (k, v) in &signed {
        put = put.header(k, v);
    }
    let put = put.send().await.expect("store answers");
    assert!(put.status().is_success(), "{store:?} presigned PUT: {}", put.status());

    if let Store::ImageStore = store {
        // … and the staged object is not public before it has been checked.
        let staged = format!("{}/{}/uploads/{upload_id}", env("IMAGES_S3_ENDPOINT"), env("IMAGES_BUCKET"));
        assert_eq!(fetch_anonymously(&staged).await.0, 403, "staged uploads are private");
    }

    let complete_path = format!("/images/uploads/{upload_id}/complete");
    let done = api.call("images-complete", &complete_path, &[], Vec::new()).await;
    assert_eq!(done.status, 201, "{store:?} complete: {}", done.json);
    assert_eq!(done.json["originalName"], "big photo.jpg");
    assert_eq!(done.json["url"], offer.json["publicUrl"]);
    let (status, ct, got) = fetch_anonymously(done.json["url"].as_str().expect("url")).await;
    assert_eq!((status, ct.as_str(), got.as_slice()), (200, "image/jpeg", JPEG));
    let again = api.call("images-complete", &complete_path, &[], Vec::new()).await;
    assert_eq!((again.status, &again.json["key"]), (200, &done.json["key"]), "completing twice is harmless");

    // A presigned upload whose bytes are not what was declared is refused and removed.
    let html = b"<html><body>not a picture</body></html>";
    let liar = api
        .call(
            "images-presign",
            "/images/uploads",
            &json_header,
            presign(json!({ "contentType": "image/png", "size": html.len() })),
        )
        .await;
    let liar_id = liar.json["uploadId"].as_str().expect("uploadId").to_string();
    let mut put = http().put(liar.json["url"].as_str().expect("url")).body(html.to_vec());
    for (k, v) in serde_json::from_value::<HashMap<String, String>>(liar.json["headers"].clone()).expect("headers") {
        put = put.header(k, v);
    }
    assert!(put.send().await.expect("store answers").status().is_success());
    let refused = api.call("images-complete", &format!("/images/uploads/{liar_id}/complete"), &[], Vec::new()).await;
    assert_eq!((refused.status, refused.code()), (415, "UNSUPPORTED_IMAGE_TYPE"), "{}", refused.json);
    let keys = api.all_keys().await;
    assert!(!keys.iter().any(|k| k.contains(&liar_id)), "the refused upload was deleted");

    let bad = [
        (json!({ "contentType": "text/html", "size": 10 }), 415, "UNSUPPORTED_IMAGE_TYPE"),
        (json!({ "contentType": "image/png", "size": 0 }), 400, "EMPTY_FILE"),
        (json!({ "contentType": "image/png", "size": 1_000_000_000_000u64 }), 413, "FILE_TOO_LARGE"),
        (json!({ "contentType": "image/png", "size": 10, "filename": "../../x.png" }), 400, "INVALID_FILENAME"),
        (json!({ "contentType": "image/png", "size": 10, "bucket": "other" }), 400, "VALIDATION_FAILED"),
        (json!({ "contentType": "image/png", "size": "ten" }), 400, "VALIDATION_FAILED"),
    ];
    for (body, status, code) in bad {
        let answer = api.call("images-presign", "/images/uploads", &json_header, presign(body.clone())).await;
        assert_eq!((answer.status, answer.code()), (status, code), "{store:?} presign {body}: {}", answer.json);
    }
    let unknown =
        api.call("images-complete", "/images/uploads/9999999999999-0123456789abcdef.png/complete", &[], vec![]).await;
    assert_eq!((unknown.status, unknown.code()), (404, "UPLOAD_NOT_FOUND"));
}

/// A staged upload that is empty (the presigned URL signs a length of at least 1, so it is put
/// straight into the store here) is refused like an empty direct upload: 400 EMPTY_FILE, and
/// the staged object is removed.
async fn empty_presigned_upload(store: Store) {
    let _one_at_a_time = STORE.lock().await;
    let mut api = ImagesApi::new(store).await;
    let body = serde_json::to_vec(&json!({ "contentType": "image/png", "size": 10 })).expect("json");
    let offer = api.call("images-presign", "/images/uploads", &[("content-type", "application/json")], body).await;
    assert_eq!(offer.status, 201, "{store:?} presign: {}", offer.json);
    let upload_id = offer.json["uploadId"].as_str().expect("uploadId").to_string();
    api.s3()
        .await
        .put_object()
        .bucket(env("IMAGES_BUCKET"))
        .key(format!("uploads/{upload_id}"))
        .content_type("image/png")
        .body(Vec::new().into())
        .send()
        .await
        .expect("stage an empty object");

    let complete = api.call("images-complete", &format!("/images/uploads/{upload_id}/complete"), &[], Vec::new()).await;
    assert_eq!((complete.status, complete.code()), (400, "EMPTY_FILE"), "{store:?} complete: {}", complete.json);
    assert!(complete.json["requestId"].as_str().is_some_and(|id| !id.is_empty()));
    let keys = api.all_keys().await;
    assert!(!keys.iter().any(|k| k.contains(&upload_id)), "{store:?}: the empty upload was removed, not published");
}

async fn bad_input(store: Store) {
    let _one_at_a_time = STORE.lock().await;
    let mut api = ImagesApi::new(store).await;
    let before = api.all_keys().await;
    let max_bytes: usize =
        std::env::var("IMAGES_MAX_BYTES").ok().and_then(|v| v.parse().ok()).unwrap_or(4 * 1024 * 1024);
    let mut oversized = PNG.to_vec();
    oversized.resize(max_bytes + 1, 0);
    let long_name = format!("{}.png", "a".repeat(300));

    let cases: Vec<(&str, Answer, u16, &str)> = vec![
        (
            "text renamed .png",
            api.upload_multipart("file", "notes.png", b"just some text, honestly").await,
            415,
            "UNSUPPORTED_IMAGE_TYPE",
        ),
        (
            "PDF sent as image/png",
            api.upload_raw("image/png", "", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n").await,
            415,
            "UNSUPPORTED_IMAGE_TYPE",
        ),
        ("empty file", api.upload_multipart("file", "empty.png", b"").await, 400, "EMPTY_FILE"),
        ("empty raw body", api.upload_raw("image/png", "", b"").await, 400, "EMPTY_FILE"),
        ("oversized file", api.upload_raw("image/png", "", &oversized).await, 413, "FILE_TOO_LARGE"),
        ("truncated PNG", api.upload_raw("image/png", "", &PNG[..20]).await, 400, "INVALID_IMAGE"),
        ("PNG declared as JPEG", api.upload_raw("image/jpeg", "", PNG).await, 400, "CONTENT_TYPE_MISMATCH"),
        ("name with ../", api.upload_multipart("file", "../../etc/passwd.png", PNG).await, 400, "INVALID_FILENAME"),
        ("name with NUL", api.upload_raw("image/png", "?filename=a%00b.png", PNG).await, 400, "INVALID_FILENAME"),
        ("300-character name", api.upload_multipart("file", &long_name, PNG).await, 400, "INVALID_FILENAME"),
        ("missing file field", api.upload_multipart("picture", "x.png", PNG).await, 400, "MISSING_FILE_FIELD"),
        (
            "broken multipart",
            api.call(
                "images-upload",
                "/images",
                &[("content-type", "multipart/form-data; boundary=zz")],
                b"--zz\r\nnot headers".to_vec(),
            )
            .await,
            400,
            "INVALID_MULTIPART",
        ),
        (
            "multipart without boundary",
            api.call("images-upload", "/images", &[("content-type", "multipart/form-data")], PNG.to_vec()).await,
            400,
            "INVALID_MULTIPART",
        ),
        (
            "HTML body",
            api.upload_raw("text/html", "", b"<script>alert(1)</script>").await,
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        ("list limit 0", api.list("?limit=0").await, 400, "INVALID_LIMIT"),
        ("list limit text", api.list("?limit=lots").await, 400, "INVALID_LIMIT"),
        ("list cursor traversal", api.list("?cursor=images/../../secrets").await, 400, "INVALID_CURSOR"),
    ];
    for (what, answer, status, code) in &cases {
        assert_eq!((answer.status, answer.code()), (*status, *code), "{store:?} {what}: {}", answer.json);
        assert!(answer.json["requestId"].as_str().is_some_and(|id| !id.is_empty()), "{what}: request id");
        assert_eq!(answer.headers.get("x-content-type-options").map(String::as_str), Some("nosniff"));
    }
    assert_eq!(api.all_keys().await, before, "{store:?}: refused uploads left nothing in the bucket");
}

#[tokio::test]
async fn upload_list_and_fetch_on_the_image_store() {
    round_trip(Store::ImageStore).await;
}

#[tokio::test]
async fn upload_list_and_fetch_on_the_aws_emulator() {
    round_trip(Store::AwsEmulator).await;
}

#[tokio::test]
async fn presigned_uploads_on_the_image_store() {
    presigned_upload(Store::ImageStore).await;
}

#[tokio::test]
async fn presigned_uploads_on_the_aws_emulator() {
    presigned_upload(Store::AwsEmulator).await;
}

#[tokio::test]
async fn empty_presigned_upload_on_the_image_store() {
    empty_presigned_upload(Store::ImageStore).await;
}

#[tokio::test]
async fn empty_presigned_upload_on_the_aws_emulator() {
    empty_presigned_upload(Store::AwsEmulator).await;
}

#[tokio::test]
async fn bad_uploads_on_the_image_store() {
    bad_input(Store::ImageStore).await;
}

#[tokio::test]
async fn bad_uploads_on_the_aws_emulator() {
    bad_input(Store::AwsEmulator).await;
}

/// With the image store down, uploads and listings answer 503 OBJECT_STORE_UNAVAILABLE; once it
/// is back, the same function processes work again without a restart.
#[tokio::test]
async fn image_store_outage_is_a_503_and_heals() {
    let _one_at_a_time = STORE.lock().await;
    let mut api = ImagesApi::new(Store::ImageStore).await;
    assert_eq!(api.list("?limit=1").await.status, 200, "warm the functions first");
    stack_ctl("stop", "s3").await;
    let upload = api.upload_raw("image/png", "", PNG).await;
    let listing = api.list("?limit=1").await;
    stack_ctl("start", "s3").await;
    for answer in [&upload, &listing] {
        assert_eq!((answer.status, answer.code()), (503, "OBJECT_STORE_UNAVAILABLE"), "{}", answer.json);
        assert_eq!(answer.headers.get("retry-after").map(String::as_str), Some("1"));
    }
    let healed = integration_tests::eventually(Duration::from_secs(30), || async {
        let mut api = ImagesApi::new(Store::ImageStore).await;
        let answer = api.upload_raw("image/png", "", PNG).await;
        (answer.status == 201).then_some(answer)
    })
    .await;
    assert!(healed.is_some(), "uploads work again once the store is back");
}

/// On AWS every SDK call is HTTPS; the local cloud is plain HTTP. A TLS endpoint signed by a
/// test authority in front of the image store proves the SDK's HTTPS client (rustls over ring,
/// shared::adapters::aws) end to end: without the authority the function refuses the server
/// (503, no handshake completes); trusting it through `SSL_CERT_FILE`, it lists the images.
#[tokio::test]
async fn the_sdk_client_speaks_tls_and_checks_the_certificate() {
    let _one_at_a_time = STORE.lock().await;
    let proxy = integration_tests::tls::TlsProxy::start(&env("IMAGES_S3_ENDPOINT")).await;
    let list = HttpRequest::get("/images").query("limit", "5");

    let mut untrusting = run_function("images-list", &[("IMAGES_S3_ENDPOINT", &proxy.url)]).await;
    let refused = untrusting.http(&list, Duration::from_secs(30)).await.expect("answer");
    assert_eq!(refused.status, 503, "{}", refused.text());
    assert_eq!(refused.json().expect("json")["code"], "OBJECT_STORE_UNAVAILABLE");
    assert_eq!(proxy.handshakes(), 0, "a server signed by an unknown authority is refused");

    let mut trusting =
        run_function("images-list", &[("IMAGES_S3_ENDPOINT", &proxy.url), ("SSL_CERT_FILE", proxy.ca_file())]).await;
    let listed = trusting.http(&list, Duration::from_secs(30)).await.expect("answer");
    assert_eq!(listed.status, 200, "{}", listed.text());
    assert!(listed.json().expect("json")["images"].is_array(), "{}", listed.text());
    assert!(proxy.handshakes() >= 1, "the listing went through TLS");
}
