#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| alliance_sim_fuzz::analysis_args(data));
