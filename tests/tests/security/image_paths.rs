//! Path tricks in image names and ids.

use super::*;

const PNG: &[u8] = include_bytes!("../../fixtures/images/sunset.png");

async fn image_store() -> aws_sdk_s3::Client {
    let sdk = integration_tests::aws_sdk_config().await;
    let conf = aws_sdk_s3::config::Builder::from(&sdk).endpoint_url(env("IMAGES_S3_ENDPOINT")).force_path_style(true);
    aws_sdk_s3::Client::from_conf(conf.build())
}

/// Every key of the images bucket, all pages.
async fn bucket_keys() -> BTreeSet<String> {
    let s3 = image_store().await;
    let mut keys = BTreeSet::new();
    let mut token = None;
    loop {
        let out = s3
            .list_objects_v2()
            .bucket(env("IMAGES_BUCKET"))
            .set_continuation_token(token)
            .send()
            .await
            .expect("list the bucket");
        keys.extend(out.contents().iter().filter_map(|o| o.key().map(str::to_string)));
        match out.next_continuation_token() {
            Some(next) if out.is_truncated().unwrap_or(false) => token = Some(next.to_string()),
            _ => break,
        }
    }
    keys
}

/// A key this service writes: `images/` or `uploads/`, then its own id, nothing of the client's.
fn is_service_key(key: &str) -> bool {
    let Some(id) = key.strip_prefix("images/").or_else(|| key.strip_prefix("uploads/")) else {
        return false;
    };
    shared::domain::images::parse_object_id(id).is_some()
}

/// One request with its target sent byte for byte: HTTP clients normalise `..` and `%2e%2e`
/// segments away before sending, an attacker's client does not.
async fn raw_http(method: &str, target: &str) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = gateway();
    let host = address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect to the gateway");
    let request =
        format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut answer))
        .await
        .expect("answer in time")
        .expect("read");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        // size CRLF data CRLF ... 0 CRLF CRLF
        let mut out = String::new();
        let mut rest = body;
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 || tail.len() < n {
                break;
            }
            out.push_str(&tail[..n]);
            rest = tail[n..].trim_start_matches("\r\n");
        }
        out
    } else {
        body.to_string()
    };
    (status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
}

async fn upload_multipart(filename: &str) -> Reply {
    let mut body = Vec::new();
    body.extend_from_slice(format!("--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: image/png\r\n\r\n").as_bytes());
    body.extend_from_slice(PNG);
    body.extend_from_slice(b"\r\n--b0undary--\r\n");
    send(
        http()
            .post(format!("{}/images", gateway()))
            .header("content-type", "multipart/form-data; boundary=b0undary")
            .body(body),
    )
    .await
}

/// Traversal in every encoding a name can arrive in (multipart file name, `?filename=`, the
/// presign body) and in the upload id of the complete route and the listing's cursor: a name
/// that tries to be a path is refused (400 INVALID_FILENAME); one that only looks odd is kept
/// as a label while the key stays ours; ids and cursors that are not ours are refused. The
/// bucket holds no key outside `images/` and `uploads/` afterwards, and none with the names.
#[tokio::test]
async fn path_tricks_in_image_names_and_ids_never_leave_the_images_prefix() {
    let before = bucket_keys().await;
    let refused_names = [
        "../../../etc/passwd.png",
        "..\\..\\windows\\win.ini.png",
        "/etc/passwd.png",
        "C:\\Windows\\evil.png",
        "images/../../x.png",
        "uploads/../images/x.png",
        "....//....//x.png",
        "..",
        ".",
        "\u{2025}/x.png",
        "CON.png",
        "x.png.",
    ];
    for name in refused_names {
        expect(&upload_multipart(name).await, 400, "INVALID_FILENAME", &format!("multipart {name:?}"));
        let presign = call(
            "POST",
            "/images/uploads",
            None,
            &[],
            Some(json!({ "contentType": "image/png", "size": 10, "filename": name })),
        )
        .await;
        expect(&presign, 400, "INVALID_FILENAME", &format!("presign {name:?}"));
    }
    // `?filename=` arrives percent-encoded: decoded once by the gateway, never twice by us.
    let raw_refused = [
        "..%2F..%2Fetc%2Fpasswd.png",
        "..%5C..%5Cx.png",
        "%2Fetc%2Fpasswd.png",
        "a%00b.png",
        "%00",
        "x%0D%0ASet-Cookie%3A%20a%3Db.png",
        "%2E%2E",
    ];
    for query in raw_refused {
        let r = send(
            http()
                .post(format!("{}/images?filename={query}", gateway()))
                .header("content-type", "image/png")
                .body(PNG.to_vec()),
        )
        .await;
        expect(&r, 400, "INVALID_FILENAME", &format!("?filename={query}"));
    }
    // Names a multipart header cannot carry, through the JSON of the presign route.
    for name in ["x\u{0}.png", "a\"; filename=\"evil.html", "x\r\nSet-Cookie: a=b.png"] {
        let r = call(
            "POST",
            "/images/uploads",
            None,
            &[],
            Some(json!({ "contentType": "image/png", "size": 10, "filename": name })),
        )
        .await;
        expect(&r, 400, "INVALID_FILENAME", &format!("presign {name:?}"));
    }

    // Names that only look like paths: labels, stored verbatim as the original name, the key ours.
    let labels = [
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd.png",
        "\u{FF0E}\u{FF0E}\u{FF0F}\u{FF0E}\u{FF0E}\u{FF0F}etc\u{FF0F}passwd.png",
        "\u{2025}\u{2215}x.png",
        "..x.png",
    ];
    let mut accepted = Vec::new();
    for name in labels {
        let r = upload_multipart(name).await;
        assert_eq!(r.status, 201, "multipart {name:?}: {}", r.json);
        assert_eq!(r.json["originalName"], name, "{}", r.json);
        let key = r.json["key"].as_str().expect("key").to_string();
        assert!(key.starts_with("images/") && is_service_key(&key), "{name:?} -> {key}");
        accepted.push(key);
        let p = call(
            "POST",
            "/images/uploads",
            None,
            &[],
            Some(json!({ "contentType": "image/png", "size": 10, "filename": name })),
        )
        .await;
        assert_eq!(p.status, 201, "presign {name:?}: {}", p.json);
        let id = p.json["uploadId"].as_str().expect("uploadId");
        assert!(shared::domain::images::parse_object_id(id).is_some(), "{name:?} -> upload id {id}");
        assert!(p.json["publicUrl"].as_str().is_some_and(|u| u.ends_with(&format!("/images/{id}"))), "{}", p.json);
    }
    let encoded = send(
        http()
            .post(format!("{}/images?filename=%252e%252e%252fx.png", gateway()))
            .header("content-type", "image/png")
            .body(PNG.to_vec()),
    )
    .await;
    assert_eq!(
        (encoded.status, &encoded.json["originalName"]),
        (201, &json!("%2e%2e%2fx.png")),
        "double-encoded: {}",
        encoded.json
    );
    accepted.push(encoded.json["key"].as_str().expect("key").to_string());

    // The stored names come back as RFC 8187 labels, never as a path or a raw header.
    for key in &accepted {
        let head = image_store().await.head_object().bucket(env("IMAGES_BUCKET")).key(key).send().await.expect("head");
        let disposition = head.content_disposition().unwrap_or_default();
        assert!(disposition.starts_with("inline; filename*=UTF-8''"), "{key}: {disposition}");
        assert!(!disposition[26..].contains(['/', '\\', '"', '\r', '\n']), "{key}: {disposition}");
    }

    // Ids and cursors that are not this service's own: refused before the store is asked.
    let ids = [
        "..%2F..%2Fimages%2Fx.png",
        "%2e%2e",
        "..",
        "..%5Cx",
        "%2Fetc%2Fpasswd",
        "9999999999999-0123456789abcdef.png%00",
        "9999999999999-0123456789abcdef.png%2F..%2F..%2Fx",
        "9999999999999-0123456789ABCDEF.png",
    ];
    for id in ids {
        let (status, json) = raw_http("POST", &format!("/images/uploads/{id}/complete")).await;
        assert_eq!((status, json["code"].as_str()), (400, Some("INVALID_UPLOAD_ID")), "complete {id}: {json}");
    }
    let cursors = [
        "images/../uploads/x",
        "uploads/8233333333333-0123456789abcdef.png",
        "images/8233333333333-0123456789abcdef.png%00",
        "%2e%2e%2f",
        "%2Fimages%2F",
    ];
    for cursor in cursors {
        expect(&get(&format!("/images?cursor={cursor}")).await, 400, "INVALID_CURSOR", &format!("cursor {cursor}"));
    }

    let after = bucket_keys().await;
    let new: Vec<&String> = after.difference(&before).collect();
    for key in &accepted {
        assert!(after.contains(key), "{key} was stored");
    }
    for key in &new {
        assert!(is_service_key(key), "a key outside the service's own shape: {key}");
        assert!(
            !key.contains("..") && !key.contains("passwd") && !key.contains('\\') && !key.contains("win.ini"),
            "{key}"
        );
    }
    for key in &after {
        assert!(!key.starts_with('/') && !key.contains("../") && !key.contains("etc/passwd"), "the bucket holds {key}");
    }
}
