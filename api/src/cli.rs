//! The command line: `serve` (the default), `migrate`, `schema`, `token`, `create-admin`,
//! `seed demo`, `backup`, `restore`, `export iati`.

use crate::auth::{Principal, Tokens};
use crate::config::{LogFormat, Settings};
use crate::domain::Role;
use crate::ids::{self, Kind};
use crate::startup::{self, Application};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "mptf",
    version,
    about = "The portfolio API of the UN Migration Multi-Partner Trust Fund"
)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Mint a bearer token for local use and tests.
    Token {
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The donor a DONOR token speaks for: its global id or number.
        #[arg(long)]
        donor: Option<String>,
        /// The organization a PUNO token speaks for: its global id, number or acronym.
        #[arg(long)]
        org: Option<String>,
        /// For the steering committee's chair.
        #[arg(long)]
        chair: bool,
        /// The token's subject (who acts, as the audit trail will say).
        #[arg(long)]
        subject: Option<String>,
        /// Lifetime in minutes (at most MPTF_MAX_TOKEN_HOURS × 60).
        #[arg(long, default_value_t = 60)]
        minutes: i64,
    },
    /// Set up one of the fund's first two administrators (refused once two ADMIN accounts are
    /// active: further privileged accounts are created with `createUser` and activated by a
    /// second administrator). The password is read from MPTF_ADMIN_PASSWORD or, without it,
    /// from the first line of standard input.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        display_name: String,
    },
    /// Seed data into the database.
    Seed {
        #[command(subcommand)]
        what: SeedKind,
    },
    /// Write a backup of the database to FILE (SQLite: an online, consistent copy, safe while
    /// the server runs; PostgreSQL: `pg_dump --format=custom`).
    Backup {
        /// The backup file to write; it must not exist yet.
        file: std::path::PathBuf,
    },
    /// Export the fund's data in an interchange format.
    Export {
        #[command(subcommand)]
        what: ExportKind,
    },
    /// Restore a backup made by `mptf backup` into the database named by MPTF_DATABASE_URL
    /// (fresh, unless --replace), then apply pending migrations. Stop the servers first.
    Restore {
        file: std::path::PathBuf,
        /// Drop what the database holds first.
        #[arg(long)]
        replace: bool,
    },
}

#[derive(Subcommand)]
enum SeedKind {
    /// The demo portfolio (the figures of the Secretary-General's report A/76/642), into an
    /// empty database.
    Demo,
    /// A synthetic portfolio at `--scale` times the report's fund (1: 12 donors, 113 concept
    /// notes, 12 joint programmes), deterministic from `--seed`, written in bulk into a freshly
    /// migrated database (for benchmarks: no audit trail).
    Synthetic {
        /// How many times the report's fund.
        #[arg(long, default_value_t = 1)]
        scale: u32,
        /// The same seed gives the same portfolio.
        #[arg(long, default_value_t = 2021)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum ExportKind {
    /// Write the IATI 2.03 activities file (the same as `GET /iati/activities.xml`) to FILE,
    /// `-` for standard output. It is read with the rights of the fund's staff (ADMIN) unless
    /// `--role` or `--anonymous` says otherwise; MPTF_IATI_PUBLISHER_REF must be set.
    Iati {
        /// The file to write (replaced if it exists), or `-`.
        file: std::path::PathBuf,
        /// Read as this role: ADMIN (the default), STEERING_COMMITTEE, AUDITOR or
        /// PARTNER_SYSTEM. A donor's or an organization's view is the endpoint's, with its token.
        #[arg(long, value_parser = parse_role, default_value = "ADMIN")]
        role: Role,
        /// Read as an anonymous caller: the fund's whole figures only.
        #[arg(long, conflicts_with = "role")]
        anonymous: bool,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(&text.to_uppercase()).ok_or_else(|| {
        "one of ADMIN, STEERING_COMMITTEE, DONOR, PUNO, PARTNER_SYSTEM, AUDITOR".to_owned()
    })
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            if let Some(variable) = variable_at_fault(&error) {
                eprintln!("mptf: the setting {variable} is invalid");
            }
            error.exit()
        }
    };
    let format = cli
        .settings
        .log_format
        .unwrap_or(if cli.settings.development() {
            LogFormat::Pretty
        } else {
            LogFormat::Json
        });
    crate::telemetry::init(format, "info,sqlx=warn,sea_orm=warn");
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("mptf: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("mptf: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            settings.validate()?;
            let (db, _) = startup::connect(&settings).await?;
            startup::migrate(&db).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Token {
            role,
            donor,
            org,
            chair,
            subject,
            minutes,
        } => {
            settings.validate()?;
            let max_minutes = settings.max_token_lifetime().num_minutes();
            if !(1..=max_minutes).contains(&minutes) {
                anyhow::bail!(
                    "--minutes must be between 1 and {max_minutes} (MPTF_MAX_TOKEN_HOURS × 60)"
                );
            }
            let donor_id = match donor {
                Some(donor) => Some(donor_id(&settings, &donor).await?),
                None => None,
            };
            let organization_id = match org {
                Some(org) => Some(organization_id(&settings, &org).await?),
                None => None,
            };
            let principal = Principal {
                subject: subject.unwrap_or_else(|| format!("cli:{}", role.as_str().to_lowercase())),
                role,
                chair,
                donor_id,
                organization_id,
            };
            // Refuse what the server would refuse.
            let tokens = Tokens::new(&settings.signing_secret()?)?
                .with_max_lifetime(settings.max_token_lifetime());
            let token = tokens.issue(&principal, chrono::Duration::minutes(minutes))?;
            tokens.verify(&token).map_err(|e| {
                anyhow::anyhow!(
                    "{e}: DONOR needs --donor, PUNO needs --org, --chair is for STEERING_COMMITTEE"
                )
            })?;
            println!("{token}");
            Ok(())
        }
        Command::CreateAdmin {
            email,
            display_name,
        } => create_admin(&settings, email, display_name).await,
        Command::Backup { file } => {
            crate::ops::backup::backup(&settings, &file).await?;
            println!("backup written to {}", file.display());
            Ok(())
        }
        Command::Restore { file, replace } => {
            crate::ops::backup::restore(&settings, &file, replace).await?;
            println!(
                "{} restored into {}",
                file.display(),
                crate::config::redact_url(&settings.database_url)
            );
            Ok(())
        }
        Command::Export {
            what:
                ExportKind::Iati {
                    file,
                    role,
                    anonymous,
                },
        } => export_iati(&settings, &file, role, anonymous).await,
        Command::Seed {
            what: SeedKind::Demo,
        } => {
            settings.validate()?;
            let (db, statements) = startup::connect(&settings).await?;
            startup::migrate(&db).await?;
            let services = crate::service::Services {
                events: crate::service::EventBus::new(true),
                db: db.into(),
                statements,
                figures: crate::service::FiguresCache::disabled(),
                policy: crate::service::ReadPolicy::FUND,
            };
            if crate::seed::demo_if_empty(&services).await? {
                println!("demo portfolio seeded");
            } else {
                anyhow::bail!("the database already holds donors: the demo portfolio goes into an empty database");
            }
            Ok(())
        }
        Command::Seed {
            what: SeedKind::Synthetic { scale, seed },
        } => {
            settings.validate()?;
            let (db, _) = startup::connect(&settings).await?;
            startup::migrate(&db).await?;
            let options = crate::seed::synthetic::Options {
                scale,
                seed,
                progress: true,
            };
            let summary = crate::seed::synthetic::generate(&db, &options).await?;
            println!("synthetic portfolio seeded (scale {scale}, seed {seed}): {summary}");
            Ok(())
        }
    }
}

/// The `MPTF_*` variable behind a command-line error, when the bad value came from it (clap
/// names only the flag).
fn variable_at_fault(error: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    use clap::CommandFactory;
    let Some(ContextValue::String(argument)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    let long = argument
        .trim_start_matches('-')
        .split([' ', '='])
        .next()?
        .to_owned();
    let command = Cli::command();
    let variable = command
        .get_arguments()
        .find(|a| a.get_long() == Some(long.as_str()))?
        .get_env()?
        .to_str()?
        .to_owned();
    std::env::var_os(&variable).map(|_| variable)
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let application = Application::build(&settings).await?;
    let address = format!("http://{}:{}", settings.listen.ip(), application.port);
    tracing::info!(database = %crate::config::redact_url(&settings.database_url), "mptf listening on {address}");
    if settings.development() {
        let tokens = Tokens::new(&settings.signing_secret()?)?
            .with_max_lifetime(settings.max_token_lifetime());
        let admin = Principal {
            subject: "cli:admin".into(),
            role: Role::Admin,
            chair: false,
            donor_id: None,
            organization_id: None,
        };
        let lifetime = chrono::Duration::hours(8).min(tokens.max_lifetime());
        let token = tokens.issue(&admin, lifetime)?;
        println!(
            "\nmptf is serving the Migration MPTF portfolio API at {address}/graphql (GraphiQL at {address}/)\n\
             Try without a token:  {{ portfolio {{ totals {{ depositedUsd }} }} }}\n\
             An ADMIN token for the next {} minutes (send it as `Authorization: Bearer <token>`):\n\n{token}\n\n\
             Other roles: cargo run --release -- token --role DONOR --donor 1   (or --role PUNO --org IOM, --role STEERING_COMMITTEE, --role PARTNER_SYSTEM, --role AUDITOR)\n\
             Or sign in with login(input: {{email: \"admin@mptf.example\", password: \"{}\"}}).\n\
             Demo accounts, same password: {}.\n",
            lifetime.num_minutes(),
            crate::seed::DEMO_PASSWORD,
            crate::seed::DEMO_ACCOUNTS
        );
    }
    application.run_until_stopped().await
}

/// `mptf create-admin`: one of the first two administrators, active at once. Whoever runs this
/// holds the database (and the signing secret), so a second administrator's activation would
/// add nothing; past two, `createUser` and `activateUser` give every privileged account two
/// administrators.
async fn create_admin(
    settings: &Settings,
    email: String,
    display_name: String,
) -> anyhow::Result<()> {
    settings.validate()?;
    let password = match std::env::var("MPTF_ADMIN_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map_err(|e| {
                anyhow::anyhow!("cannot read the password from standard input: {e}")
            })?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let (db, statements) = startup::connect(settings).await?;
    startup::migrate(&db).await?;
    let services = crate::service::Services {
        events: crate::service::EventBus::new(true),
        db: db.into(),
        statements,
        figures: crate::service::FiguresCache::disabled(),
        policy: crate::service::ReadPolicy::FUND,
    };
    let active = services
        .active_administrators()
        .await
        .map_err(service_error)?;
    if active >= FIRST_ADMINISTRATORS {
        anyhow::bail!(
            "the fund already has {active} active administrators: create further ones with \
             createUser, and have another administrator activate them with activateUser"
        );
    }
    let ctx = crate::service::Ctx::new(
        Some(Principal {
            subject: "cli:create-admin".into(),
            role: Role::Admin,
            chair: false,
            donor_id: None,
            organization_id: None,
        }),
        "cli",
    );
    let user = crate::service::commands::users::create_user_as_operator(
        &services,
        &ctx,
        crate::service::commands::users::NewUser {
            email,
            display_name,
            role: Role::Admin,
            chair: false,
            password: Some(password),
            donor_id: None,
            organization_id: None,
        },
    )
    .await
    .map_err(service_error)?;
    println!(
        "administrator {} created ({}): sign in with login",
        user.email,
        ids::encode(Kind::User, user.id)
    );
    Ok(())
}

/// `mptf export iati FILE`: the activities file as `role` (or an anonymous caller) reads it.
async fn export_iati(
    settings: &Settings,
    file: &std::path::Path,
    role: Role,
    anonymous: bool,
) -> anyhow::Result<()> {
    settings.validate()?;
    if matches!(role, Role::Donor | Role::Puno) {
        anyhow::bail!(
            "--role {role} speaks for one donor or organization: fetch GET /iati/activities.xml with its token instead"
        );
    }
    let options = crate::interchange::iati::IatiOptions::from_settings(&settings.iati);
    if options.publisher_ref.is_none() {
        anyhow::bail!("{}", crate::interchange::iati::IatiError::NotConfigured);
    }
    let (db, statements) = startup::connect(settings).await?;
    startup::migrate(&db).await?;
    let services = crate::service::Services {
        events: crate::service::EventBus::new(true),
        db: db.into(),
        statements,
        figures: crate::service::FiguresCache::disabled(),
        policy: crate::service::ReadPolicy::FUND,
    };
    let ctx = if anonymous {
        crate::service::Ctx::new(None, "cli")
    } else {
        crate::service::Ctx::new(
            Some(Principal {
                subject: format!("cli:{}", role.as_str().to_lowercase()),
                role,
                chair: false,
                donor_id: None,
                organization_id: None,
            }),
            "cli",
        )
    };
    let bytes = crate::interchange::iati::export(&services, &ctx, &options, chrono::Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if file.as_os_str() == "-" {
        use std::io::Write;
        std::io::stdout().write_all(&bytes)?;
    } else {
        std::fs::write(file, &bytes)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", file.display()))?;
        eprintln!("IATI activities written to {}", file.display());
    }
    Ok(())
}

/// How many administrators `mptf create-admin` sets up before the two-administrator rule holds.
const FIRST_ADMINISTRATORS: u64 = 2;

fn service_error(error: crate::service::ServiceError) -> anyhow::Error {
    anyhow::anyhow!("{error}")
}

/// The donor `--donor` names (its global id or number), which must exist: a token for a donor
/// that does not exist would be refused by nothing and name nothing.
async fn donor_id(settings: &Settings, text: &str) -> anyhow::Result<i64> {
    let id = number_or_id(text, Kind::Donor)?;
    use sea_orm::EntityTrait;
    let (db, _) = startup::connect(settings).await?;
    entity::donor::Entity::find_by_id(id)
        .one(&db)
        .await?
        .map(|d| d.id)
        .ok_or_else(|| anyhow::anyhow!("no donor with id {text:?}"))
}

fn number_or_id(text: &str, kind: Kind) -> anyhow::Result<i64> {
    text.parse::<i64>()
        .ok()
        .or_else(|| ids::decode(kind, text))
        .ok_or_else(|| anyhow::anyhow!("{text:?} is not a {} id or number", kind.name()))
}

async fn organization_id(settings: &Settings, text: &str) -> anyhow::Result<i64> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let (db, _) = startup::connect(settings).await?;
    let found = match number_or_id(text, Kind::Organization) {
        Ok(id) => {
            entity::organization::Entity::find_by_id(id)
                .one(&db)
                .await?
        }
        Err(_) => {
            entity::organization::Entity::find()
                .filter(entity::organization::Column::Acronym.eq(text))
                .one(&db)
                .await?
        }
    };
    found
        .map(|o| o.id)
        .ok_or_else(|| anyhow::anyhow!("no organization with id or acronym {text:?}"))
}
