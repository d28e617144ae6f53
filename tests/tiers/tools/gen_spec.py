def spec_files():
    return []
