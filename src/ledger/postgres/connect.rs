//! Connecting to PostgreSQL: the URL (with the `sslmode` values libpq
//! knows, including `verify-ca` and `verify-full`, which tokio-postgres
//! does not parse), the password from a named environment variable, TLS
//! through rustls, and session settings so that a frozen laptop never
//! blocks every other writer.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use postgres::config::{Host, SslMode};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::{Error, Result};

/// How hard TLS is: libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    Disable,
    /// TLS if the server offers it, else plain (libpq's default).
    Prefer,
    /// Encrypted, certificate not checked.
    Require,
    /// Encrypted, certificate chains to a trusted root.
    VerifyCa,
    /// …and names the host we connect to.
    VerifyFull,
}

/// Everything needed to (re)connect.
#[derive(Clone)]
pub struct Target {
    pub config: postgres::Config,
    pub tls: Tls,
    /// `sslrootcert`: a PEM file of trusted roots (else the webpki roots).
    pub root_cert: Option<String>,
    /// `postgres://user@host:port/db`: for messages, never with a password.
    pub display: String,
}

/// Parse `url`, taking out what tokio-postgres does not understand.
pub fn target(url: &str, password_env: Option<&str>) -> Result<Target> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut tls = Tls::Prefer;
    let mut root_cert = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "sslmode" => {
                tls = match v {
                    "disable" => Tls::Disable,
                    "allow" | "prefer" => Tls::Prefer,
                    "require" => Tls::Require,
                    "verify-ca" => Tls::VerifyCa,
                    "verify-full" => Tls::VerifyFull,
                    other => {
                        return Err(Error::usage(format!(
                            "ledger url: sslmode={other:?}: expected disable, prefer, require, verify-ca or verify-full"
                        )))
                    }
                }
            }
            "sslrootcert" => root_cert = Some(percent_decode(v)),
            "sslcert" | "sslkey" | "sslpassword" | "sslcrl" => {
                return Err(Error::usage(format!(
                    "ledger url: {k} (client certificates) is not supported; use a password from password_env"
                )))
            }
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let mut config = postgres::Config::from_str(&rest).map_err(|e| Error::usage(format!("ledger url: {e}")))?;
    let display = display(&config);
    if let Some(name) = password_env {
        match std::env::var(name) {
            Ok(p) if !p.is_empty() => {
                config.password(p);
            }
            _ => {
                return Err(Error::usage(format!(
                    "the ledger's password is read from ${name} (password_env), which is not set"
                )))
            }
        }
    }
    config.ssl_mode(match tls {
        Tls::Disable => SslMode::Disable,
        Tls::Prefer => SslMode::Prefer,
        _ => SslMode::Require,
    });
    if config.get_application_name().is_none() {
        config.application_name("relcon");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(5));
    }
    // A peer that vanished (laptop lid closed, network gone) is noticed in
    // seconds, not after the kernel's two hours.
    config
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(10))
        .keepalives_interval(Duration::from_secs(3))
        .keepalives_retries(3)
        .tcp_user_timeout(Duration::from_secs(20));
    // The ledger lives in a schema of its own; no writer waits on a lock
    // for long, and a transaction left open by a frozen process is ended.
    let session = "-c search_path=relcon -c lock_timeout=10s -c idle_in_transaction_session_timeout=30s";
    let options = match config.get_options() {
        Some(o) if !o.is_empty() => format!("{o} {session}"),
        _ => session.to_string(),
    };
    config.options(&options);
    Ok(Target {
        config,
        tls,
        root_cert,
        display,
    })
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(v) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn display(c: &postgres::Config) -> String {
    let host = match c.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = c.get_ports().first().copied().unwrap_or(5432);
    let user = c.get_user().map(|u| format!("{u}@")).unwrap_or_default();
    let db = c.get_dbname().unwrap_or("");
    format!("postgres://{user}{host}:{port}/{db}")
}

/// Connect once.
pub fn connect(t: &Target) -> Result<postgres::Client> {
    let result = if t.tls == Tls::Disable {
        t.config.connect(postgres::NoTls)
    } else {
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(client_config(t)?);
        t.config.connect(tls)
    };
    result.map_err(|e| refused(t, &e))
}

/// Why a connection could not be made, as the person must act on it: a
/// login or a database that is wrong is theirs to fix; anything else (no
/// answer, a server starting or refusing sessions) is an outage, said the
/// way every call that finds the server gone says it.
fn refused(t: &Target, e: &postgres::Error) -> Error {
    let msg = one_line(e);
    let code = e.as_db_error().map(|d| d.code().code());
    match code {
        Some(c) if c.starts_with("28") => Error::runtime(format!("ledger server {}: {msg}", t.display)),
        Some("3D000") => Error::runtime(format!(
            "ledger server {}: {msg} — create it, then run `relcon ledger init` there",
            t.display
        )),
        _ => Error::runtime(format!(
            "ledger server {} is unreachable ({msg}); nothing was written, relcon reconnects by itself",
            t.display
        )),
    }
}

/// A postgres error in one line, with the server's own message when it sent one.
pub fn one_line(e: &postgres::Error) -> String {
    let mut msg = match e.as_db_error() {
        // Its source is itself again, with the severity in front.
        Some(db) => return db.message().to_string(),
        None => e.to_string(),
    };
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let t = s.to_string();
        if !msg.contains(&t) {
            msg = format!("{msg}: {t}");
        }
        src = s.source();
    }
    msg
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn roots(t: &Target) -> Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    match &t.root_cert {
        Some(path) if path != "system" => {
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| Error::usage(format!("ledger url: sslrootcert {path}: {e}")))?;
            for c in certs {
                let c = c.map_err(|e| Error::usage(format!("ledger url: sslrootcert {path}: {e}")))?;
                store
                    .add(c)
                    .map_err(|e| Error::usage(format!("ledger url: sslrootcert {path}: {e}")))?;
            }
        }
        _ => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    Ok(store)
}

fn client_config(t: &Target) -> Result<rustls::ClientConfig> {
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::runtime(format!("TLS: {e}")))?;
    let config = match t.tls {
        Tls::VerifyFull => builder.with_root_certificates(roots(t)?).with_no_client_auth(),
        Tls::VerifyCa => {
            let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots(t)?), provider())
                .build()
                .map_err(|e| Error::usage(format!("ledger url: sslrootcert: {e}")))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(ChainOnly { inner }))
                .with_no_client_auth()
        }
        // require / prefer: encrypted, like libpq, without checking who answers.
        _ => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCert(provider())))
            .with_no_client_auth(),
    };
    Ok(config)
}

/// `sslmode=require`: libpq encrypts but does not check the certificate.
/// Handshake signatures are still checked, so the session is bound to the
/// key the server showed.
#[derive(Debug)]
struct AnyCert(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `sslmode=verify-ca`: the chain must reach a trusted root; the name may differ.
#[derive(Debug)]
struct ChainOnly {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. })) => {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmodes_and_display_without_password() {
        let t = target(
            "postgres://relcon:pw@db.internal:6432/releases?sslmode=verify-full&sslrootcert=%2Fca.pem",
            None,
        )
        .unwrap();
        assert_eq!(t.tls, Tls::VerifyFull);
        assert_eq!(t.root_cert.as_deref(), Some("/ca.pem"));
        assert_eq!(t.display, "postgres://relcon@db.internal:6432/releases");
        assert_eq!(target("postgres://h/db", None).unwrap().tls, Tls::Prefer);
        assert_eq!(
            target("postgres://h/db?sslmode=disable", None).unwrap().tls,
            Tls::Disable
        );
        assert!(target("postgres://h/db?sslmode=bogus", None).is_err());
        assert!(target("postgres://h/db?sslcert=/c.pem", None).is_err());
        let missing = target("postgres://h/db", Some("RELCON_TEST_SURELY_UNSET_PW"))
            .err()
            .unwrap();
        assert!(missing.to_string().contains("RELCON_TEST_SURELY_UNSET_PW"), "{missing}");
    }
}
