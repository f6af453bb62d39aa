//! `hookline-admin`: the operator's tool for API keys in the DynamoDB table. A new key is
//! printed once; only its SHA-256 is stored.

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use hookline::domain::{ApiKey, ApiKeyId, ApiKeyRecord, KeyOwner, Scopes, TenantId, Timestamp};
use hookline::store::KeyStore;
use hookline::store::dynamodb::DynamoStore;

#[derive(Parser)]
#[command(name = "hookline-admin", version, about)]
struct Cli {
    /// The DynamoDB table (the stack's `TableName` output).
    #[arg(long, env = "HOOKLINE_TABLE_NAME")]
    table_name: String,

    /// A DynamoDB endpoint other than AWS's (moto, DynamoDB Local).
    #[arg(long, env = "HOOKLINE_DYNAMODB_ENDPOINT")]
    dynamodb_endpoint: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// API keys.
    #[command(subcommand)]
    Keys(Keys),
}

#[derive(Subcommand)]
enum Keys {
    /// Creates a key and prints it once.
    Create {
        /// The tenant the key belongs to (not with --operator).
        #[arg(
            long,
            required_unless_present = "operator",
            conflicts_with = "operator"
        )]
        tenant: Option<String>,
        /// Comma-separated: webhooks:view, webhooks:add, webhooks:edit, webhooks:remove,
        /// events:publish, or `all` (not with --operator).
        #[arg(
            long,
            required_unless_present = "operator",
            conflicts_with = "operator"
        )]
        scopes: Option<String>,
        /// An operator key: every scope, for any tenant named in `Hookline-Tenant`, and the
        /// operator routes (tenant keys over the API).
        #[arg(long)]
        operator: bool,
        /// When the key stops working (RFC 3339).
        #[arg(long)]
        expires_at: Option<String>,
        /// A note to tell keys apart.
        #[arg(long)]
        name: Option<String>,
        /// Create the table first when it is missing (for emulators; AWS uses the template's).
        #[arg(long)]
        create_table: bool,
    },
    /// Lists keys (never their text), oldest first.
    List {
        #[arg(long, conflicts_with = "operator")]
        tenant: Option<String>,
        /// Only the operator keys.
        #[arg(long)]
        operator: bool,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Revokes a key by its id; it stops working at once (within the authorizer's cache time
    /// in AWS).
    Revoke { id: String },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let client = DynamoStore::client(cli.dynamodb_endpoint.as_deref()).await;
    // The tool writes keys only: nothing it stores is sealed.
    let keyring = hookline::seal::Keyring::without_key();
    let store = DynamoStore::new(client, &cli.table_name, std::sync::Arc::new(keyring));
    let Command::Keys(command) = cli.command;
    match command {
        Keys::Create {
            tenant,
            scopes,
            operator,
            expires_at,
            name,
            create_table,
        } => {
            let expires_at = expires_at
                .map(|at| {
                    Timestamp::parse(&at)
                        .filter(|at| *at > Timestamp::now())
                        .with_context(|| {
                            format!("--expires-at {at:?} is not a future RFC 3339 time")
                        })
                })
                .transpose()?;
            let key = ApiKey::generate();
            let record = match (tenant, scopes) {
                (Some(tenant), Some(scopes)) if !operator => {
                    let tenant = TenantId::parse(&tenant).map_err(anyhow::Error::msg)?;
                    let scopes = if scopes == "all" {
                        Scopes::all_tenant()
                    } else {
                        Scopes::parse_list(&scopes).map_err(anyhow::Error::msg)?
                    };
                    if scopes.is_operator() {
                        bail!(
                            "operator is not a tenant's scope: create operator keys with --operator"
                        );
                    }
                    if scopes.is_empty() {
                        bail!("give at least one scope");
                    }
                    ApiKeyRecord::new(&key, tenant, scopes, name)
                }
                _ => ApiKeyRecord::operator(&key, name),
            }
            .expiring_at(expires_at);
            if create_table {
                store
                    .create_table_if_missing()
                    .await
                    .context("creating the table")?;
            }
            store.put(&record).await.context("storing the key")?;
            println!("id:     {}", record.id);
            println!("tenant: {}", owner_text(&record.owner));
            println!("scopes: {}", record.scopes);
            if let Some(at) = record.expires_at {
                println!("expires_at: {at}");
            }
            println!("key:    {}", key.expose());
            eprintln!("\nThe key is shown only now: store it safely.");
        }
        Keys::List {
            tenant,
            operator,
            json,
        } => {
            let owner = match tenant {
                Some(t) => Some(KeyOwner::Tenant(
                    TenantId::parse(&t).map_err(anyhow::Error::msg)?,
                )),
                None if operator => Some(KeyOwner::Operator),
                None => None,
            };
            let records = store.list(owner.as_ref()).await.context("listing keys")?;
            if !json {
                println!(
                    "{:<36}  {:<20}  {:<8}  {:<24}  {:<16}  scopes",
                    "id", "tenant", "prefix", "created_at", "name"
                );
            }
            for r in records {
                if json {
                    let line = serde_json::json!({
                        "id": r.id, "tenant": r.owner.tenant(), "operator": r.owner == KeyOwner::Operator,
                        "prefix": r.prefix, "scopes": r.scopes.to_string(),
                        "name": r.name, "created_at": r.created_at, "expires_at": r.expires_at,
                    });
                    println!("{line}");
                } else {
                    println!(
                        "{:<36}  {:<20}  {:<8}  {:<24}  {:<16}  {}",
                        r.id.to_string(),
                        owner_text(&r.owner),
                        r.prefix,
                        r.created_at.to_string(),
                        r.name.as_deref().unwrap_or("-"),
                        r.scopes
                    );
                }
            }
        }
        Keys::Revoke { id } => {
            let Some(id) = ApiKeyId::parse(&id) else {
                bail!("{id:?} is not a key id")
            };
            if store.revoke(&id, None).await.context("revoking the key")? {
                println!("revoked {id}");
            } else {
                bail!("no key with id {id}");
            }
        }
    }
    Ok(())
}

/// A key's tenant, or `(operator)`.
fn owner_text(owner: &KeyOwner) -> &str {
    owner.tenant().map_or("(operator)", TenantId::as_str)
}
