{
  "targets": [
    {
      "target_name": "distilbert_native",
      "type": "none",
      "actions": [
        {
          "action_name": "cmake_js_build",
          "inputs": ["CMakeLists.txt"],
          "outputs": ["build/Release/distilbert_native.node"],
          "action": ["bash", "scripts/build-native.sh"]
        }
      ]
    }
  ]
}
