//! The [`Stack`]: template.yaml deployed with the parameter file, resolved. Every fact the local
//! cloud acts on (functions and their environment, routes, queues, tables, buckets, event-source
//! mappings, schedules) is read from the template when it starts; nothing is generated or kept
//! in a second copy.

pub mod events;
pub mod functions;
pub mod resolver;
pub mod resources;

use crate::env::Env;
use crate::error::{Error, Problem, Result};
use crate::intrinsics;
use crate::parameters::{self, Deployment, Emulators, Parameter};
use crate::routes::RouteTable;
use crate::template::Template;
use events::{Schedule, SqsMapping};
use functions::Function;
use resolver::Resolver;
use resources::{Bucket, Queue, Table};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub const TEMPLATE_FILE: &str = "template.yaml";
pub const PARAMETER_FILE: &str = "localstack/parameters.toml";

/// Where the stack's files are and the local ports, from the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    pub root: PathBuf,
    pub template: PathBuf,
    pub parameters: PathBuf,
    pub env: Env,
    /// The HTTP API (`LOCAL_GATEWAY_PORT`, 9000).
    pub gateway_port: u16,
    /// The Lambda Invoke API (`LOCAL_INVOKE_PORT`, 9001).
    pub invoke_port: u16,
}

impl Settings {
    pub fn new(root: &Path, env: Env) -> Result<Self> {
        let gateway_port = env.number("LOCAL_GATEWAY_PORT", 9000).map_err(Error::Settings)?;
        let invoke_port = env.number("LOCAL_INVOKE_PORT", 9001).map_err(Error::Settings)?;
        Ok(Self {
            root: root.to_path_buf(),
            template: root.join(TEMPLATE_FILE),
            parameters: root.join(PARAMETER_FILE),
            env,
            gateway_port,
            invoke_port,
        })
    }

    /// This process's environment over the running stack's recorded settings.
    pub fn from_process(root: &Path) -> Result<Self> {
        Self::new(root, Env::from_process(root).map_err(Error::Settings)?)
    }

    pub fn gateway_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.gateway_port)
    }

    pub fn invoke_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.invoke_port)
    }
}

#[derive(Debug, Clone)]
pub struct Stack {
    pub name: String,
    pub region: String,
    pub account_id: String,
    pub emulators: Emulators,
    pub root: PathBuf,
    pub template_file: PathBuf,
    pub gateway_url: String,
    pub invoke_url: String,
    pub parameters: Vec<Parameter>,
    pub functions: Vec<Function>,
    pub routes: RouteTable,
    pub queues: Vec<Queue>,
    pub tables: Vec<Table>,
    pub buckets: Vec<Bucket>,
    pub mappings: Vec<SqsMapping>,
    pub schedules: Vec<Schedule>,
    /// `Outputs`, resolved.
    pub outputs: Vec<(String, String)>,
}

impl Stack {
    pub fn load(settings: &Settings) -> Result<Self> {
        let template = Template::load(&settings.template)?;
        let text = std::fs::read_to_string(&settings.parameters).map_err(|e| Error::io(&settings.parameters, e))?;
        Self::build(settings, &template, &text)
    }

    /// The stack of `template` deployed with the parameter file's `text`.
    pub fn build(settings: &Settings, template: &Template, text: &str) -> Result<Self> {
        let in_file = |p: Problem| Error::parameters(&settings.parameters, p);
        let deployment = Deployment::parse(text, &settings.env).map_err(in_file)?;
        let parameters = parameters::resolve(template, &deployment.overrides).map_err(in_file)?;
        let resolver = Resolver::new(
            template,
            &parameters,
            &deployment.stack_name,
            &deployment.region,
            deployment.emulators.kind.clone(),
            &deployment.emulators.sqs,
            &settings.gateway_url(),
        );
        let in_template = |p: Problem| Error::template(&template.file, p);
        let mut stack = Self {
            name: deployment.stack_name.clone(),
            region: deployment.region.clone(),
            account_id: deployment.emulators.kind.account_id().to_owned(),
            emulators: deployment.emulators.clone(),
            root: settings.root.clone(),
            template_file: template.file.clone(),
            gateway_url: settings.gateway_url(),
            invoke_url: settings.invoke_url(),
            parameters,
            functions: Vec::new(),
            routes: RouteTable::default(),
            queues: Vec::new(),
            tables: Vec::new(),
            buckets: Vec::new(),
            mappings: Vec::new(),
            schedules: Vec::new(),
            outputs: Vec::new(),
        };
        stack.read_resources(template, &resolver).map_err(in_template)?;
        stack.read_functions(template, &resolver).map_err(in_template)?;
        stack.outputs = outputs(template, &resolver).map_err(in_template)?;
        Ok(stack)
    }

    fn read_resources(&mut self, template: &Template, resolver: &Resolver<'_>) -> Result<(), Problem> {
        let policies: Vec<_> = template.of_type("AWS::S3::BucketPolicy").collect();
        for r in template.resources() {
            if !resolver.exists(&r)? {
                continue;
            }
            match r.ty {
                "AWS::SQS::Queue" => self.queues.push(resources::queue(&r, resolver)?),
                "AWS::DynamoDB::Table" => self.tables.push(resources::table(&r, resolver)?),
                "AWS::S3::Bucket" => self.buckets.push(resources::bucket(&r, resolver, &policies)?),
                "AWS::Serverless::HttpApi" => resources::http_api(&r)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn read_functions(&mut self, template: &Template, resolver: &Resolver<'_>) -> Result<(), Problem> {
        let mut routes = Vec::new();
        let mut apis = BTreeSet::new();
        for r in template.of_type("AWS::Serverless::Function") {
            if !resolver.exists(&r)? {
                continue;
            }
            let function = functions::function(template, &r, resolver)?;
            let events = events::events(&r, &function, &self.queues, resolver)?;
            for (api, route) in events.routes {
                apis.insert(api);
                routes.push(route);
            }
            self.mappings.extend(events.mappings);
            self.schedules.extend(events.schedules);
            self.functions.push(function);
        }
        if apis.len() > 1 {
            return Err(Problem::new(
                "Resources",
                format!("routes go to {} HTTP APIs {apis:?}; the local gateway serves one", apis.len()),
            ));
        }
        for (i, f) in self.functions.iter().enumerate() {
            if let Some(other) = self.functions[..i].iter().find(|o| o.name == f.name || o.binary == f.binary) {
                return Err(Problem::new(
                    format!("Resources.{}", f.logical_id),
                    format!("has the same FunctionName or Binary as {}", other.logical_id),
                ));
            }
        }
        self.routes = RouteTable::new(routes).map_err(|e| Problem::new("Resources", e))?;
        Ok(())
    }

    /// A function by its `FunctionName`, its `Binary` or its logical id.
    pub fn function(&self, key: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.name == key || f.binary == key || f.logical_id == key)
    }

    /// A function by what Lambda's Invoke API accepts: its name, its ARN or a partial ARN
    /// (`<account>:function:<name>`), optionally with the `$LATEST` qualifier.
    pub fn function_for_invoke(&self, name_or_arn: &str) -> Option<&Function> {
        let unqualified = name_or_arn.strip_suffix(":$LATEST").unwrap_or(name_or_arn);
        self.functions.iter().find(|f| {
            f.name == unqualified
                || f.arn == unqualified
                || unqualified.strip_prefix(&self.account_id).and_then(|r| r.strip_prefix(":function:"))
                    == Some(f.name.as_str())
        })
    }

    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.name == name)
    }
}

fn outputs(template: &Template, resolver: &Resolver<'_>) -> Result<Vec<(String, String)>, Problem> {
    let mut out = Vec::new();
    for (name, output) in template.section("Outputs") {
        let condition = output.get("Condition").and_then(serde_json::Value::as_str);
        if let Some(condition) = condition
            && !intrinsics::Lookup::condition(resolver, condition)?
        {
            continue;
        }
        let value = output.get("Value").unwrap_or(&serde_json::Value::Null);
        out.push((name.clone(), intrinsics::resolve_text(value, &format!("Outputs.{name}.Value"), resolver)?));
    }
    Ok(out)
}
