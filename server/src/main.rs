//! `auxilio-server`: serve, demo, and the admin commands.

use std::process::ExitCode;
use std::sync::Arc;

use auxilio_server::admin;
use auxilio_server::config::{Cli, Cmd, Options};
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

fn open_store(options: &Options) -> Result<Arc<SqliteStore>, ServeError> {
    Ok(Arc::new(SqliteStore::open(&options.db())?))
}

async fn run(cli: Cli) -> Result<(), ServeError> {
    let given = match &cli.command {
        Cmd::Serve(options) => options.clone(),
        Cmd::Demo(args) => args.serve.clone(),
        _ => Options::default(),
    };
    let options = Options {
        db: cli.db,
        ..given
    }
    .or(Options::load(cli.config.as_deref())?);
    match cli.command {
        Cmd::Serve(_) => {
            let state = open_state(&options.db(), options.settings())?;
            let listener = tokio::net::TcpListener::bind(options.listen()).await?;
            let addr = listener.local_addr()?;
            tracing::info!(%addr, "serving");
            println!("listening on http://{addr}");
            serve_on(listener, state).await
        }
        Cmd::Demo(args) => {
            let (listen, settings) = (options.listen(), options.settings());
            auxilio_server::demo::run(options.db, listen, settings, args.info_file).await
        }
        Cmd::CreateOrg(args) => {
            let id = admin::create_org(open_store(&options)?.as_ref(), &args)?;
            println!("organization {id} created");
            Ok(())
        }
        Cmd::CreateCode(args) => {
            let (code, link, qr) = admin::create_code(open_store(&options)?.as_ref(), &args)?;
            println!("code: {code}\nlink: {link}\nQR:   {}", qr.display());
            Ok(())
        }
        Cmd::CreateUnit(args) => {
            let id = admin::create_unit(open_store(&options)?.as_ref(), &args, None)?;
            println!("unit {id} created");
            Ok(())
        }
        Cmd::CreateAccount(args) => {
            let (id, password) = admin::create_account(open_store(&options)?.as_ref(), &args)?;
            println!("account {id} created; password (shown once): {password}");
            Ok(())
        }
        Cmd::RevokeDevice(args) => {
            admin::revoke_device(open_store(&options)?.as_ref(), args.device)?;
            println!("device revoked");
            Ok(())
        }
    }
}
