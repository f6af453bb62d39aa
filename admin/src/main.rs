//! `hookline-admin`: the operator's tool for API keys in the DynamoDB table. A new key is
//! printed once; only its SHA-256 is stored.

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use hookline::domain::{ApiKey, ApiKeyId, ApiKeyRecord, Scopes, TenantId};
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
        #[arg(long)]
        tenant: String,
        /// Comma-separated: webhooks:view, webhooks:add, webhooks:edit, webhooks:remove,
        /// events:publish, or `all`.
        #[arg(long)]
        scopes: String,
        /// A note to tell keys apart.
        #[arg(long)]
        name: Option<String>,
        /// Create the table first when it is missing (for emulators; AWS uses the template's).
        #[arg(long)]
        create_table: bool,
    },
    /// Lists keys (never their text), oldest first.
    List {
        #[arg(long)]
        tenant: Option<String>,
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
    let store = DynamoStore::new(client, &cli.table_name);
    let Command::Keys(command) = cli.command;
    match command {
        Keys::Create {
            tenant,
            scopes,
            name,
            create_table,
        } => {
            let tenant = TenantId::parse(&tenant).map_err(anyhow::Error::msg)?;
            let scopes = if scopes == "all" {
                Scopes::all()
            } else {
                Scopes::parse_list(&scopes).map_err(anyhow::Error::msg)?
            };
            if scopes == Scopes::default() {
                bail!("give at least one scope");
            }
            if create_table {
                store
                    .create_table_if_missing()
                    .await
                    .context("creating the table")?;
            }
            let key = ApiKey::generate();
            let record = ApiKeyRecord::new(&key, tenant, scopes, name);
            store.put(&record).await.context("storing the key")?;
            println!("id:     {}", record.id);
            println!("tenant: {}", record.tenant);
            println!("scopes: {}", record.scopes);
            println!("key:    {}", key.expose());
            eprintln!("\nThe key is shown only now: store it safely.");
        }
        Keys::List { tenant, json } => {
            let tenant = tenant
                .map(|t| TenantId::parse(&t))
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let records = store.list(tenant.as_ref()).await.context("listing keys")?;
            if !json {
                println!(
                    "{:<36}  {:<20}  {:<8}  {:<24}  {:<16}  scopes",
                    "id", "tenant", "prefix", "created_at", "name"
                );
            }
            for r in records {
                if json {
                    let line = serde_json::json!({
                        "id": r.id, "tenant": r.tenant, "prefix": r.prefix, "scopes": r.scopes.to_string(),
                        "name": r.name, "created_at": r.created_at,
                    });
                    println!("{line}");
                } else {
                    println!(
                        "{:<36}  {:<20}  {:<8}  {:<24}  {:<16}  {}",
                        r.id.to_string(),
                        r.tenant.as_str(),
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
            if store.revoke(&id).await.context("revoking the key")? {
                println!("revoked {id}");
            } else {
                bail!("no key with id {id}");
            }
        }
    }
    Ok(())
}
