"""Developer tools, not shipped: the simulator, the bench, the template builders."""
