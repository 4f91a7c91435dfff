// The SMS plugin's Android library. Linked into the app by the Tauri CLI
// (`cargo tauri android build`), which provides the ":tauri-android"
// project; it cannot be built on its own.
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "pe.gob.munielporvenir.auxilio.sms"
    compileSdk = 34

    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_1_8
        targetCompatibility = JavaVersion.VERSION_1_8
    }
    kotlinOptions {
        jvmTarget = "1.8"
    }
}

dependencies {
    // 1.12: ContextCompat.registerReceiver with RECEIVER_NOT_EXPORTED on every API level.
    implementation("androidx.core:core-ktx:1.12.0")
    implementation(project(":tauri-android"))
}
