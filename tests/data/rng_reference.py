#!/usr/bin/env python3
"""An independent implementation of alliance-sim's stream derivation (src/rng.rs),
written from the specifications rather than the Rust code: rand_core's
seed_from_u64 (PCG32 expansion of the seed), ChaCha8 (RFC 7539 layout, 64-bit
block counter, 8 rounds), FNV-1a 64 and SplitMix64; a uniform from a 64-bit
word as 1 + (top 52 bits)/2^52 - 1, and beta(a, b) for whole shapes as the a-th
smallest of a + b - 1 uniforms. It prints the values that src/rng.rs's
`values_agree_with_an_independent_implementation` and src/dist.rs's
`whole_shape_beta_agrees_with_an_independent_implementation` tests pin.

    python3 tests/data/rng_reference.py
"""
M=(1<<64)-1
def pcg32(st):
    st=(st*0x5851F42D4C957F2D+0xA17654E46FBE17F3)&M
    x=(((st>>18)^st)>>27)&0xffffffff; r=st>>59
    return st, ((x>>r)|(x<<((32-r)&31)))&0xffffffff
def seed_words(seed):
    ws=[]; st=seed
    for _ in range(8):
        st,w=pcg32(st); ws.append(w)
    return ws
def rotl(x,n): return ((x<<n)|(x>>(32-n)))&0xffffffff
def qr(s,a,b,c,d):
    s[a]=(s[a]+s[b])&0xffffffff; s[d]=rotl(s[d]^s[a],16)
    s[c]=(s[c]+s[d])&0xffffffff; s[b]=rotl(s[b]^s[c],12)
    s[a]=(s[a]+s[b])&0xffffffff; s[d]=rotl(s[d]^s[a],8)
    s[c]=(s[c]+s[d])&0xffffffff; s[b]=rotl(s[b]^s[c],7)
def block(key,counter):
    init=[0x61707865,0x3320646e,0x79622d32,0x6b206574]+key+[counter&0xffffffff,counter>>32,0,0]
    s=init[:]
    for _ in range(4):
        qr(s,0,4,8,12);qr(s,1,5,9,13);qr(s,2,6,10,14);qr(s,3,7,11,15)
        qr(s,0,5,10,15);qr(s,1,6,11,12);qr(s,2,7,8,13);qr(s,3,4,9,14)
    return [(a+b)&0xffffffff for a,b in zip(s,init)]
def words(seed,n):
    key=seed_words(seed); out=[]; c=0
    while len(out)<n: out+=block(key,c); c+=1
    return out
def trial_key(seed,i):
    w=words(seed,4*i+4)[4*i:4*i+4]
    return (w[0]|w[1]<<32, w[2]|w[3]<<32)
def mix64(z):
    z=((z^(z>>30))*0xbf58476d1ce4e5b9)&M
    z=((z^(z>>27))*0x94d049bb133111eb)&M
    return z^(z>>31)
def stream_key(name):
    h=0xcbf29ce484222325
    for b in name.encode(): h=((h^b)*0x100000001b3)&M
    return mix64(h)
G=0x9e3779b97f4a7c15
def draws(t,s,n):
    st=mix64(t[0]^s)^t[1]; out=[]
    for _ in range(n):
        st=(st+G)&M; out.append(mix64(st))
    return out
def unit(word):
    # Exactly representable: (word >> 12) / 2^52, a multiple of 2^-52 below 1.
    return (word >> 12) / 2.0**52
def beta_whole(t,s,a,b):
    us=[unit(w) for w in draws(t,s,a+b-1)]
    return sorted(us)[a-1]

if __name__ == "__main__":
    print("trial_key(2022, 0)  =", trial_key(2022, 0))
    print("trial_key(2022, 37) =", trial_key(2022, 37))
    print("StreamKey::of(\"vote/russia\") =", stream_key("vote/russia"))
    print("first draw of \"request\" in trial 0 of seed 2022 =", draws(trial_key(2022, 0), stream_key("request"), 1)[0])
    print("draws of StreamKey(3) under TrialKey(1, 2) =", draws((1, 2), 3, 2))
    print("units of StreamKey(3) under TrialKey(1, 2) =", [repr(unit(w)) for w in draws((1, 2), 3, 2)])
    for t in range(3):
        key = trial_key(2022, t)
        print(f"beta(6, 2) and beta(2, 5) of \"var/severity\" in trial {t} of seed 2022 =",
              repr(beta_whole(key, stream_key("var/severity"), 6, 2)), repr(beta_whole(key, stream_key("var/severity"), 2, 5)))
