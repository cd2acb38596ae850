//! A TLS endpoint in front of a local server, signed by a certificate authority made for the
//! test. The local cloud speaks plain HTTP; on AWS every call is HTTPS, so the functions' TLS
//! clients (the AWS SDK's and the introspection client) are proven against this.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

pub struct TlsProxy {
    /// `https://127.0.0.1:<port>`: the certificate names the address, so no DNS is involved.
    pub url: String,
    /// The authority's certificate (PEM), for `SSL_CERT_FILE`.
    pub ca_file: PathBuf,
    handshakes: Arc<AtomicUsize>,
    accept_loop: tokio::task::JoinHandle<()>,
}

impl TlsProxy {
    /// Terminates TLS on a free port of 127.0.0.1 and relays the bytes to `upstream`
    /// (`http://host:port` or `host:port`).
    pub async fn start(upstream: &str) -> TlsProxy {
        let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_string();
        let upstream: SocketAddr = upstream.parse().unwrap_or_else(|e| panic!("upstream {upstream}: {e}"));

        let ca_key = rcgen::KeyPair::generate().expect("CA key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "integration-tests local CA");
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
        let server_key = rcgen::KeyPair::generate().expect("server key");
        let server_params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .expect("server params");
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let server_cert = server_params.signed_by(&server_key, &issuer).expect("server certificate");

        let ca_file = std::env::temp_dir().join(format!("{}.pem", crate::unique("test-ca")));
        std::fs::write(&ca_file, ca_cert.pem()).expect("write CA file");

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(server_cert.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
            )
            .expect("server config");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind TLS proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let handshakes = Arc::new(AtomicUsize::new(0));
        let counted = handshakes.clone();
        let accept_loop = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let counted = counted.clone();
                tokio::spawn(async move {
                    // A client that does not trust the authority aborts here.
                    let Ok(mut tls) = acceptor.accept(client).await else { return };
                    counted.fetch_add(1, Ordering::SeqCst);
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
                    }
                });
            }
        });
        TlsProxy { url: format!("https://127.0.0.1:{port}"), ca_file, handshakes, accept_loop }
    }

    /// TLS handshakes completed so far (clients that refused the certificate are not counted).
    pub fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }

    pub fn ca_file(&self) -> &str {
        self.ca_file.to_str().expect("UTF-8 temp path")
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        self.accept_loop.abort();
        let _ = std::fs::remove_file(&self.ca_file);
    }
}
