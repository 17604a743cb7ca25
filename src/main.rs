//! The `helpdesk-operator` binary: CLI -> config -> app -> run. Thin on purpose.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use helpdesk_operator::audit::AuditStore;
use helpdesk_operator::cli;
use helpdesk_operator::config::Config;
use helpdesk_operator::policy::Policy;
use rmcp::ServiceExt;

const AFTER_HELP: &str = "\
Typical first steps:
  helpdesk-operator sandbox        # try everything against simulated helpdesks, nothing to set up
  helpdesk-operator check          # are the credentials and the audit store usable?
  helpdesk-operator serve          # run as an MCP server over stdio (for Claude & co.)
  helpdesk-operator audit list     # what did agents change?
  helpdesk-operator policy explain TOOL '{\"ticket_id\": 7}'  # what would policy decide?
  helpdesk-operator pending        # confirmations waiting for a person (approve / deny ID)
  helpdesk-operator hash-password  # a password hash for the operators file (HELPDESK_OPERATOR_AGENTS)";

#[derive(Parser)]
#[command(
    name = "helpdesk-operator",
    version,
    about = "An MCP server that lets AI agents read and write helpdesks inside audited agent sessions"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the MCP server over stdio (stdout carries only JSON-RPC; logs go to stderr), or with
    /// --http over streamable HTTP for the agents of the agents file.
    Serve {
        /// Serve MCP at http://ADDR/mcp instead of stdio (ADDR default 127.0.0.1:8080); agents
        /// authenticate with `Authorization: Bearer <token>` (see agent-token).
        #[arg(long, value_name = "ADDR", num_args = 0..=1,
            default_missing_value = helpdesk_operator::mcp::http::DEFAULT_ADDR)]
        http: Option<std::net::SocketAddr>,
    },
    /// Print a new bearer token for an agent of `serve --http`, and the [[agent]] entry (with
    /// the token's SHA-256, never the token) to paste into the agents file.
    AgentToken {
        /// The agent's name: its sessions and audit rows are keyed by it.
        name: String,
    },
    /// Try it with nothing installed: start a simulator of every helpdesk with demo data on
    /// loopback, and serve MCP on stdio against them (embedded audit log).
    Sandbox {
        /// Where this sandbox run keeps its audit log (default: a new temporary folder).
        #[arg(long)]
        data_dir: Option<std::path::PathBuf>,
        /// Serve MCP at http://ADDR/mcp instead of stdio (ADDR default 127.0.0.1:8080), with a
        /// demo agent token printed in the banner.
        #[arg(long, value_name = "ADDR", num_args = 0..=1,
            default_missing_value = helpdesk_operator::mcp::http::DEFAULT_ADDR)]
        http: Option<std::net::SocketAddr>,
    },
    /// Try each configured backend's credentials and the audit store, and print a diagnosis.
    /// Exits non-zero if anything fails.
    Check,
    /// Read the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Check policy files, or explain which rule decides a call.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// List confirmations waiting for a decision (newest last).
    Pending,
    /// Approve a pending confirmation (rules with via = "human"); the agent then repeats its
    /// call with the token it was given. Asks for an operator's name and password (an operator
    /// of the HELPDESK_OPERATOR_AGENTS file): on the terminal, or two lines of stdin.
    Approve {
        /// The confirmation id (from `pending`, or from the agent).
        id: String,
        /// No longer accepted: refused with a message (credentials are never arguments).
        #[arg(long, hide = true)]
        by: Option<String>,
    },
    /// Reject a pending confirmation; the agent's token stops working. Asks for an operator's
    /// name and password, like approve.
    Deny {
        id: String,
        #[arg(long, hide = true)]
        by: Option<String>,
    },
    /// Read a password (one line of stdin, or twice without echo on a terminal) and print its
    /// argon2id hash for the operators file: `password_hash = '$argon2id$...'`.
    HashPassword,
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Validate a policy file or folder (default: HELPDESK_OPERATOR_POLICY, or the built-in
    /// default); problems are listed with file, line and what is wrong (exit 1).
    Check { path: Option<std::path::PathBuf> },
    /// Show which rule decides a call and why, e.g.
    /// `policy explain django_helpdesk_add_followup '{"ticket_id": 1, "comment": "x",
    /// "public": true}'`
    Explain {
        tool: String,
        /// The tool's arguments as JSON.
        args: String,
        /// The object's state before the call, as the tool would read it (canonical names),
        /// for `changes` conditions, e.g. '{"priority": "normal", "assigned_to": 3}'.
        #[arg(long)]
        before: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// List events, newest first.
    List {
        /// Only events of this agent session (its id, as get_agent_session_info shows it).
        #[arg(long)]
        session: Option<String>,
        /// How many events to show.
        #[arg(
            long,
            default_value_t = 50,
            value_parser = clap::value_parser!(i64).range(1..=100000)
        )]
        limit: i64,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one event in full, by sequence number or id.
    Show { id: String },
    /// Check the audit log: the hash chain (the first edited, deleted or reordered event),
    /// the signed checkpoints (a rewritten or truncated history they cover), and that the
    /// confirmations and agent_sessions tables agree with the chain. Exit 1 on any problem.
    Verify {
        /// Also check an anchor kept elsewhere (a line printed by `audit anchor`); repeatable.
        #[arg(long)]
        anchor: Vec<String>,
        /// The full report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the newest signed checkpoint (seq, head hash, time, public key, signature) to keep
    /// off-site; `audit verify --anchor` checks it later.
    Anchor {
        #[arg(long)]
        json: bool,
    },
    /// Make a new Ed25519 key for signing checkpoints (PKCS#8 PEM, mode 0600, never
    /// overwrites) and print its public key and what to set.
    Keygen {
        /// Where to write it (default: $HELPDESK_OPERATOR_AUDIT_KEY, else
        /// ~/.config/helpdesk-operator/audit-key.pem).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

/// Logs go to stderr (stdout is the JSON-RPC channel). Whatever filter the user sets, the
/// HTTP and cookie crates stay at info or above: their debug output prints cookie values and
/// headers, which are secrets here.
fn init_logging() {
    let requested = std::env::var("HELPDESK_OPERATOR_LOG").unwrap_or_default();
    let mut filter = tracing_subscriber::EnvFilter::try_new(if requested.is_empty() {
        "info"
    } else {
        requested.as_str()
    })
    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Only debug and trace output of these crates carries secrets; cap them when asked for.
    if requested.contains("debug") || requested.contains("trace") {
        for quiet in [
            "cookie_store=warn",
            "reqwest_cookie_store=warn",
            "reqwest=info",
            "hyper=info",
            "hyper_util=info",
            "h2=info",
            "rustls=info",
            "sqlx=warn",
            // rmcp logs whole JSON-RPC messages at debug: tool arguments and results carry
            // confirmation tokens and customer data.
            "rmcp=info",
        ] {
            if let Ok(d) = quiet.parse() {
                filter = filter.add_directive(d);
            }
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// What `--help` says first; the helpdesks this build has follow it.
const LONG_ABOUT: &str = "helpdesk-operator lets AI agents work helpdesks over MCP.\n\
Every agent works inside a session with a branch name and a declared intent; writes are refused\n\
until an intent is set, and every write is recorded, before and after, in a tamper-evident audit log.";

/// The command line, with `--help` listing every variable the server reads (one list,
/// `backends::env_vars`, backends included).
fn parse() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let width = helpdesk_operator::backends::env_vars()
        .iter()
        .map(|(k, _)| k.len())
        .max()
        .unwrap_or(0);
    let vars: String = helpdesk_operator::backends::env_vars()
        .iter()
        .map(|(k, v)| format!("  {k:width$}  {v}\n"))
        .collect();
    let help = format!(
        "Configuration (environment variables, or a .env file in the working directory):\n{vars}\n{AFTER_HELP}"
    );
    let titles: Vec<&str> = helpdesk_operator::backends::ALL
        .iter()
        .map(|k| k.title)
        .collect();
    let about = format!("{LONG_ABOUT}\nHelpdesks: {}.", titles.join(", "));
    let matches = Cli::command()
        .after_help(help)
        .long_about(about)
        .get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = parse();
    init_logging();
    match cli.command {
        Command::Sandbox { data_dir, http } => return sandbox(data_dir, http).await,
        // Hashing a password needs no configuration at all.
        Command::HashPassword => return exit(cli::hash_password()),
        Command::AgentToken { name } => return exit(cli::agent_token(&name)),
        Command::Approve { by: Some(_), .. } | Command::Deny { by: Some(_), .. } => {
            eprintln!(
                "--by is no longer accepted: approve and deny read the operator's name and password from stdin (two lines), or ask for them on a terminal; credentials are never arguments"
            );
            return ExitCode::from(2);
        }
        // Policy files are checked and explained without any backend configuration.
        Command::Policy { command } => {
            let configured = Config::policy_path_from_env();
            return match command {
                PolicyCommand::Check { path } => {
                    exit(cli::policy_check(path.or(configured).as_deref()))
                }
                PolicyCommand::Explain { tool, args, before } => exit(cli::policy_explain(
                    configured.as_deref(),
                    &tool,
                    &args,
                    before.as_deref(),
                )),
            };
        }
        // A new key needs no database and no backend configuration.
        Command::Audit {
            command: AuditCommand::Keygen { out },
        } => return exit(cli::audit_keygen(out.as_deref())),
        _ => {}
    }
    let config = match helpdesk_operator::backends::config_from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let store = match AuditStore::from_config(&config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Command::Serve { http } => {
            let policy =
                match helpdesk_operator::backends::load_policy(config.policy_path.as_deref()) {
                    Ok(p) => p,
                    Err(e) => {
                        eprintln!("{e}");
                        return ExitCode::from(2);
                    }
                };
            match http {
                Some(addr) => match http_auth(&config).await {
                    Ok(auth) => serve_http(config, store, policy, addr, auth).await,
                    Err(e) => {
                        eprintln!("{e}");
                        ExitCode::from(2)
                    }
                },
                None => serve(config, store, policy).await,
            }
        }
        Command::Pending => exit(cli::pending(&store).await),
        Command::Approve { id, .. } => exit(
            cli::decide_confirmation(&store, config.operators_path.as_deref(), &id, true).await,
        ),
        Command::Deny { id, .. } => exit(
            cli::decide_confirmation(&store, config.operators_path.as_deref(), &id, false).await,
        ),
        Command::Check => {
            if cli::check(&config, &store).await {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Command::Audit { command } => audit(command, &store).await,
        Command::Sandbox { .. }
        | Command::Policy { .. }
        | Command::HashPassword
        | Command::AgentToken { .. } => ExitCode::SUCCESS,
    }
}

async fn sandbox(
    data_dir: Option<std::path::PathBuf>,
    http: Option<std::net::SocketAddr>,
) -> ExitCode {
    let dir = data_dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("helpdesk-operator-sandbox-{}", std::process::id()))
    });
    let sandbox = match helpdesk_operator::sandbox::Sandbox::start(dir).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("the sandbox could not start: {e}");
            return ExitCode::from(2);
        }
    };
    eprintln!("{}", sandbox.banner());
    let policy =
        match helpdesk_operator::backends::load_policy(sandbox.config.policy_path.as_deref()) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
    let store = AuditStore::new(sandbox.config.audit_store.clone());
    let code = match http {
        None => serve(sandbox.config.clone(), store, policy).await,
        Some(addr) => {
            // The sandbox's own agent, with a token made for this run (and the agents of the
            // file HELPDESK_OPERATOR_AGENTS names, if it lists any).
            let agents = match sandbox_agents(sandbox.config.operators_path.as_deref()) {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(2);
                }
            };
            let auth = agents.into();
            serve_http(sandbox.config.clone(), store, policy, addr, auth).await
        }
    };
    drop(sandbox);
    code
}

/// The agents of `sandbox --http`: those of the agents file if it lists any, else the
/// sandbox agent with a new token, printed for the person who started it.
fn sandbox_agents(
    file: Option<&std::path::Path>,
) -> helpdesk_operator::error::Result<helpdesk_operator::operators::Principals> {
    use helpdesk_operator::operators::{Principals, new_agent_token};
    if let Some(p) = file {
        let listed = Principals::load(p)?;
        if !listed.agents().is_empty() {
            return Ok(listed);
        }
    }
    let (token, sha) = new_agent_token();
    let name = helpdesk_operator::sandbox::SANDBOX_USER;
    eprintln!(
        "Demo agent for HTTP clients: {name}, with the header\n  Authorization: Bearer {}\n",
        secrecy::ExposeSecret::expose_secret(&token)
    );
    Principals::parse(
        "the sandbox's agents",
        &format!("[[agent]]\nname = \"{name}\"\ntoken_sha256 = \"{sha}\"\n"),
    )
}

fn exit(r: Result<bool, helpdesk_operator::error::Error>) -> ExitCode {
    match r {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

/// Who may call `serve --http`: with `HELPDESK_OPERATOR_OAUTH_*`, whoever the issuer's tokens
/// name (its keys are fetched now, so a wrong issuer shows at once); else the agents file.
async fn http_auth(config: &Config) -> Result<helpdesk_operator::mcp::http::Auth, String> {
    use helpdesk_operator::mcp::http::Auth;
    let oauth =
        helpdesk_operator::mcp::oauth::OAuthSettings::from_lookup(&|k: &str| std::env::var(k).ok());
    let Some(settings) = oauth.map_err(|e| e.to_string())? else {
        return http_agents(config).map(Auth::from);
    };
    let verifier =
        helpdesk_operator::mcp::oauth::Verifier::new(settings).map_err(|e| e.to_string())?;
    match verifier.warm().await {
        Ok(n) => tracing::info!(keys = n, "OAuth resource server: access tokens are JWTs"),
        Err(e) => tracing::warn!("{e}; tokens are refused until the issuer's keys can be fetched"),
    }
    Ok(Auth::OAuth(verifier))
}

/// The agents `serve --http` serves: the `[[agent]]` entries of the agents file.
fn http_agents(config: &Config) -> Result<helpdesk_operator::operators::Principals, String> {
    let Some(path) = config.operators_path.as_deref() else {
        return Err(
            "serve --http needs agents: set HELPDESK_OPERATOR_AGENTS to a file with \
            [[agent]] entries (`helpdesk-operator agent-token NAME` prints one)"
                .to_string(),
        );
    };
    let agents = helpdesk_operator::operators::Principals::load(path).map_err(|e| e.to_string())?;
    if agents.agents().is_empty() {
        return Err(format!(
            "{}: lists no [[agent]], so nobody could call serve --http; run \
             `helpdesk-operator agent-token NAME` and paste its entry there",
            agents.source
        ));
    }
    Ok(agents)
}

/// `serve --http ADDR`: these agents, over streamable HTTP.
async fn serve_http(
    config: Config,
    store: std::sync::Arc<AuditStore>,
    policy: Policy,
    addr: std::net::SocketAddr,
    auth: helpdesk_operator::mcp::http::Auth,
) -> ExitCode {
    use helpdesk_operator::mcp::http;
    let Some(server) = start_server(&config, store.clone(), policy).await else {
        return ExitCode::from(2);
    };
    let listener = match http::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if let Ok(at) = listener.local_addr() {
        eprintln!("MCP over streamable HTTP at http://{at}/mcp (GET /health without a token)");
    }
    let opts = http::HttpOptions {
        auth,
        store: store.clone(),
        backends: config.backend_names(),
        extra_hosts: http::list_var(std::env::var(http::ALLOWED_HOSTS_VAR).ok()),
        extra_origins: http::list_var(std::env::var(http::ALLOWED_ORIGINS_VAR).ok()),
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let result = http::serve(server, listener, opts, shutdown).await;
    if let Err(e) = store.checkpoint_now().await {
        tracing::warn!("could not sign an audit checkpoint at shutdown: {e}");
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// What both transports do first: say which store, policy and backends are used, and build
/// the server (None when it cannot be built; the reason is logged).
async fn start_server(
    config: &Config,
    store: std::sync::Arc<AuditStore>,
    policy: Policy,
) -> Option<helpdesk_operator::mcp::HelpdeskOperator> {
    tracing::info!(store = %store.describe(), "audit store");
    tracing::info!(policy = %policy.source, rules = policy.rules.len(), "policy");
    if let Err(e) = store.ensure_ready().await {
        tracing::warn!("{e}; reads work, writes are refused until it is reachable");
    }
    for s in &config.backends {
        tracing::info!(backend = s.backend(), at = %s.location(), "backend configured");
    }
    if config.backends.is_empty() {
        let how: Vec<String> = helpdesk_operator::backends::ALL
            .iter()
            .map(|k| format!("{}: {}", k.title, k.how_to_configure))
            .collect();
        tracing::warn!(
            "no backend configured ({}; see --help), or try `helpdesk-operator sandbox`",
            how.join("; ")
        );
    }
    match helpdesk_operator::backends::server_with_policy(
        config,
        store,
        std::sync::Arc::new(policy),
    ) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::error!("{e}");
            None
        }
    }
}

async fn serve(config: Config, store: std::sync::Arc<AuditStore>, policy: Policy) -> ExitCode {
    let Some(server) = start_server(&config, store.clone(), policy).await else {
        return ExitCode::from(2);
    };
    let store_for_shutdown = store;
    let running = match server
        .serve(helpdesk_operator::mcp::stdio::transport())
        .await
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("MCP handshake failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stopped = running.waiting().await;
    // Cover the last events with a signed checkpoint before leaving (no-op without a key).
    if let Err(e) = store_for_shutdown.checkpoint_now().await {
        tracing::warn!("could not sign an audit checkpoint at shutdown: {e}");
    }
    match stopped {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("MCP server stopped: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn audit(command: AuditCommand, store: &AuditStore) -> ExitCode {
    let result = match command {
        AuditCommand::List {
            session,
            limit,
            json,
        } => store.list(session.as_deref(), limit).await.map(|events| {
            cli::print_events(&events, json);
            true
        }),
        AuditCommand::Show { id } => store.get(&id).await.map(|e| match e {
            Some(e) => {
                println!("{}", serde_json::to_string_pretty(&e).unwrap_or_default());
                true
            }
            None => {
                eprintln!("no audit event with sequence number or id {id}");
                false
            }
        }),
        AuditCommand::Verify { anchor, json } => cli::audit_verify(store, &anchor, json).await,
        AuditCommand::Anchor { json } => cli::audit_anchor(store, json).await,
        AuditCommand::Keygen { .. } => Ok(false),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
