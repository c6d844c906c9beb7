//! What the server's agents talk to. The endpoint and key come from the server's environment
//! (inherited from the client that started it) and `config.toml`; a client may ask for the
//! built-in scripted provider (`--demo`), another model or approval policy for the agents it
//! opens. Without a key, agents use the scripted provider and say so.

use std::sync::Arc;

use crate::agent::AgentConfig;
use crate::config::ModelConfig;
use crate::model::scripted::{DEMO_KEY, Scenario, ScriptedProvider};
use crate::model::{ModelSettings, ResponsesClient};
use crate::protocol::AgentOptions;

/// Builds agent configurations; cheap to clone.
#[derive(Debug, Clone)]
pub struct Models {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: ModelConfig,
    /// The scripted provider, started the first time an agent needs it; it lives as long as
    /// the server.
    demo: tokio::sync::OnceCell<ScriptedProvider>,
    /// Commands run in a login shell (see `AgentConfig::login_shell`).
    login_shell: bool,
}

impl Models {
    pub fn new(config: ModelConfig, login_shell: bool) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                demo: tokio::sync::OnceCell::new(),
                login_shell,
            }),
        }
    }

    /// The server's settings, with the endpoint and key the client resolved in its own
    /// environment taking precedence.
    fn settings(&self, options: &AgentOptions) -> ModelSettings {
        let env = |name: &str| std::env::var(name).ok();
        let mut settings = crate::model::resolve(env, &self.inner.config, options.model.as_deref());
        if let Some(base_url) = &options.base_url {
            settings.base_url = base_url.trim_end_matches('/').to_owned();
        }
        if let Some(key) = &options.api_key {
            settings.api_key = Some(key.key());
        }
        settings
    }

    /// What agents opened with `options` talk to, for the status line.
    pub fn label(&self, options: &AgentOptions) -> String {
        let settings = self.settings(options);
        if options.demo {
            "demo provider (scripted, --demo)".to_owned()
        } else if settings.api_key.is_some() {
            settings.model
        } else {
            format!("demo provider: no {} set", settings.key_var)
        }
    }

    /// An agent configuration for `options`, and its label.
    pub async fn agent_config(
        &self,
        options: &AgentOptions,
    ) -> Result<(AgentConfig, String), String> {
        let settings = self.settings(options);
        let label = self.label(options);
        let client = match (options.demo, ResponsesClient::new(settings)) {
            (false, Ok(client)) => client,
            _ => {
                let provider = self
                    .inner
                    .demo
                    .get_or_try_init(|| ScriptedProvider::start(Scenario::demo()))
                    .await
                    .map_err(|e| format!("cannot start the demo provider: {e}"))?;
                ResponsesClient::new(ModelSettings::local(provider.base_url(), DEMO_KEY))
                    .map_err(|e| e.to_string())?
            }
        };
        let mut config = AgentConfig::new(client);
        config.compact_at = self.inner.config.compact_at();
        config.policy = options.approval;
        config.reasoning_effort = options.reasoning_effort.clone();
        if let Some(schema) = &options.output_schema {
            let schema = serde_json::from_str(schema)
                .map_err(|e| format!("the output schema is not JSON: {e}"))?;
            config.output_schema = Some(schema);
        }
        config.login_shell = self.inner.login_shell;
        Ok((config, label))
    }
}
