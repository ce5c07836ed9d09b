//! Compiles the .proto contract with protox (a protobuf compiler in Rust), so
//! building needs no `protoc` on the machine.

use std::{collections::BTreeMap, env, path::Path, path::PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "veiviser/agency/v1/agency.proto",
        "veiviser/master/v1/master.proto",
        "veiviser/consent/v1/consent.proto",
        "veiviser/registry/v1/registry.proto",
    ];
    for proto in &protos {
        println!("cargo:rerun-if-changed={proto}");
    }
    let descriptors = protox::compile(protos, ["."])?;
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("veiviser_descriptor.bin"),
        prost::Message::encode_to_vec(&descriptors),
    )?;
    write_directions(&descriptors, &out_dir.join("veiviser_directions.rs"))?;
    tonic_prost_build::configure()
        .codec_path("crate::codec::ContractCodec")
        .build_server(true)
        .build_client(true)
        // The master's web chat sends these messages to the browser as JSON.
        .type_attribute(".", "#[derive(serde::Serialize)]")
        .type_attribute(".", "#[serde(rename_all = \"snake_case\")]")
        .compile_fds(descriptors)?;
    Ok(())
}

/// Writes, for every type a method takes or returns, whether the caller sends it
/// (`codec::Direction`), so a request that cannot be decoded is the caller's error.
fn write_directions(
    descriptors: &prost_types::FileDescriptorSet,
    path: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut sent_by_caller: BTreeMap<String, bool> = BTreeMap::new();
    for method in descriptors.file.iter().flat_map(|f| &f.service).flat_map(|s| &s.method) {
        for (proto_type, is_request) in [(method.input_type(), true), (method.output_type(), false)] {
            if *sent_by_caller.entry(proto_type.to_owned()).or_insert(is_request) != is_request {
                return Err(format!("{proto_type} is both a request and a response; give each its own message").into());
            }
        }
    }
    let mut code = String::new();
    for (proto_type, is_request) in sent_by_caller {
        // ".veiviser.agency.v1.AskRequest" -> "crate::agency::v1::AskRequest"
        let parts: Vec<&str> = proto_type.trim_start_matches('.').split('.').skip(1).collect();
        code.push_str(&format!(
            "impl crate::codec::Direction for crate::{} {{ const SENT_BY_CALLER: bool = {is_request}; }}\n",
            parts.join("::")
        ));
    }
    std::fs::write(path, code)?;
    Ok(())
}
