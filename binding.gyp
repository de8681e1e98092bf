{
  "targets": [
    {
      "target_name": "llama_loom",
      "type": "none",
      "actions": [
        {
          "action_name": "cmake_js_build",
          "message": "Building llama-loom through CMake (scripts/build.mjs)",
          "inputs": ["CMakeLists.txt"],
          "outputs": ["<(INTERMEDIATE_DIR)/always-run.stamp"],
          "action": ["node", "scripts/build.mjs"]
        }
      ]
    }
  ]
}
