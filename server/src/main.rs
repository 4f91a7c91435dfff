//! `auxilio-server`: serve, demo, and the admin commands.

use std::process::ExitCode;
use std::sync::Arc;

use auxilio_server::admin;
use auxilio_server::config::{Cli, Cmd, FileConfig, ServeConfig};
use auxilio_server::server::{open_state, serve_on, ServeError};
use auxilio_server::store::sqlite::SqliteStore;
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AUXILIO_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn open_store(
    cli_db: Option<std::path::PathBuf>,
    file: FileConfig,
) -> Result<Arc<SqliteStore>, ServeError> {
    let db = cli_db.or(file.db).unwrap_or_else(|| "auxilio.db".into());
    Ok(Arc::new(SqliteStore::open(&db)?))
}

async fn run(cli: Cli) -> Result<(), ServeError> {
    let file =
        FileConfig::load(cli.config.as_deref()).map_err(|e| ServeError::Refused(e.to_string()))?;
    match cli.command {
        Cmd::Serve(args) => {
            let cfg = ServeConfig::resolve(cli.db, args, file);
            let state = open_state(&cfg.db, cfg.settings)?;
            let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
            let addr = listener.local_addr()?;
            tracing::info!(%addr, "serving");
            println!("listening on http://{addr}");
            serve_on(listener, state).await
        }
        Cmd::Demo(args) => {
            let explicit_db = cli.db.clone();
            let cfg = ServeConfig::resolve(cli.db, args.serve, file);
            auxilio_server::demo::run(explicit_db, cfg.listen, cfg.settings, args.info_file).await
        }
        Cmd::CreateOrg(args) => {
            let id = admin::create_org(open_store(cli.db, file)?.as_ref(), &args)?;
            println!("organization {id} created");
            Ok(())
        }
        Cmd::CreateCode(args) => {
            let (code, link, qr) = admin::create_code(open_store(cli.db, file)?.as_ref(), &args)?;
            println!("code: {code}\nlink: {link}\nQR:   {}", qr.display());
            Ok(())
        }
        Cmd::CreateUnit(args) => {
            let id = admin::create_unit(open_store(cli.db, file)?.as_ref(), &args, None)?;
            println!("unit {id} created");
            Ok(())
        }
        Cmd::CreateAccount(args) => {
            let (id, password) = admin::create_account(open_store(cli.db, file)?.as_ref(), &args)?;
            println!("account {id} created; password (shown once): {password}");
            Ok(())
        }
        Cmd::RevokeDevice(args) => {
            admin::revoke_device(open_store(cli.db, file)?.as_ref(), args.device)?;
            println!("device revoked");
            Ok(())
        }
    }
}
