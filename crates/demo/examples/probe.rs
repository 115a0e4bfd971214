// Temporary measuring harness; deleted before hand-off.
#[tokio::main]
async fn main() {
    let a: Vec<String> = std::env::args().collect();
    let path = &a[1];
    let opts = guildhall_demo::DemoOptions {
        people: a[2].parse().unwrap(),
        communities: a[3].parse().unwrap(),
        months: a[4].parse().unwrap(),
        seed: a.get(5).map(|s| s.parse().unwrap()).unwrap_or(1),
    };
    let _ = std::fs::remove_file(path);
    let store = guildhall_store::Store::open(path, guildhall_store::OpenMode::Create)
        .await
        .unwrap();
    let t = std::time::Instant::now();
    let s = guildhall_demo::generate(&store, &opts, 1_767_225_600)
        .await
        .unwrap();
    println!("{s:?} in {:?}", t.elapsed());
}
